"""Each strategy of stages 2 to 5, and each stage after them, on a small world whose
state a test sets by hand: what it does to the households it is given, and only that."""

import numpy as np
import pytest

from locality.parameters.vocabulary import DOMAIN_INDEX
from locality.sim.allocating import AgencyQueues, KeyWorkerPlans
from locality.sim.assessing import SeparateAssessments, SharedAssessment
from locality.sim.demography import ages_decide
from locality.sim.help import Help
from locality.sim.model import LocalityModel
from locality.sim.noticing import AgencyThresholds, KeyWorkerReferrals
from locality.sim.state import EARLY, NEVER, NO_CHILD, NONE, SERVED, WAITING
from locality.sim.week import DROPPED_OUT, LONGEST, NO_CAPACITY, RECOVERED, EventLog, Week, WeekCounts

TINY = {"population.households": 400, "run.years": 1, "run.warmup_weeks": 0, "run.seed": 3}


@pytest.fixture
def model():
    """A small place, integrated (so the key-worker team runs), needs and standings
    cleared so each test sets what it needs."""
    m = LocalityModel("thanet", overrides={**TINY, "regime.kind": "integrated", "regime.pooled_share": 0.3})
    m.households.severity[:] = 0.0
    m.households.status[:] = NONE
    return m


def new_week(m, number: int = 0) -> Week:
    return Week(number, m.regime, WeekCounts(len(m.payers), len(m.crisis_kinds), len(m.stock_kinds)), EventLog(True))


def with_needs(m, week: Week) -> Week:
    """The week's needs summary, as stage 1 would hand it on."""
    from locality.sim.needs import needs_settle
    from locality.sim.week import NeedsSummary

    h = m.households
    summary = NeedsSummary(np.zeros(h.n, np.float32), np.zeros(h.n, np.int64), np.zeros(h.n, np.float32))
    needs_settle.statement(raw=h.severity.copy(), severity=h.severity, may_have=h.may_have,
                           problem_line=np.float32(m.params.needs.problem_line),
                           risk=summary.risk, n_problems=summary.n_problems, worst=summary.worst)
    week.needs = summary
    return week


def agency(m, name: str):
    return m.agency_list[list(m.params.agencies).index(name)]


def families_of_csc(m, households: list[int]):
    """Children's social care, its protection lines, its first domain and these
    households, each now with children."""
    csc = agency(m, "childrens_social_care")
    families = np.array(households)
    h = m.households
    h.child_age[0, families] = np.where(h.child_age[0, families] == NO_CHILD, 8, h.child_age[0, families])  # of school age
    h.has_children[families] = True
    ages_decide(h, m.params.demography)
    m.services.people_changed()
    return csc, csc.spec.protection, DOMAIN_INDEX[csc.spec.domains[0]], families


def police_cases(m, households: list[int], needs: list[float], standing: int = SERVED):
    """Households standing `standing` with the police, with these needs in its first
    domain; returns the police and that domain."""
    police = agency(m, "police")
    domain = DOMAIN_INDEX[police.spec.domains[0]]
    m.households.status[police.index, households] = standing
    m.households.severity[domain, households] = needs
    return police, domain


# --- stage 2 ----------------------------------------------------------------------------------
def test_an_agency_notices_only_needs_at_its_threshold_in_its_own_domains(model):
    m, police = model, agency(model, "police")
    police.spec.detection = 1.0  # sees everyone it may see
    m.services.detection[police.index] = 1.0
    h = m.households
    line = police.threshold
    domain = DOMAIN_INDEX[police.spec.domains[0]]
    h.severity[domain, [1, 2]] = [line, line - 0.01]
    h.severity[DOMAIN_INDEX["physical_health"], 3] = 0.99  # not a police domain
    week = with_needs(m, new_week(m))
    AgencyThresholds(m.casework, referral_loss=0.0).notice(week)
    assert list(week.referrals[police.index]) == [1]
    assert week.counts.referrals[police.index] == 1
    assert [e.households.tolist() for e in week.events.items if e.kind == "referred" and e.where == police.index] == [[1]]


def test_a_crisis_is_referred_whatever_the_need_to_the_agencies_that_must_hear_of_it(model):
    m, h = model, model.households
    csc, police = agency(m, "childrens_social_care"), agency(m, "police")
    assert "childrens_social_care" in m.params.services.crisis_referred_to
    assert "police" not in m.params.services.crisis_referred_to
    for a in m.agency_list:
        m.services.detection[a.index] = 0.0
    family = int(np.flatnonzero(h.has_children)[0])
    h.severity[DOMAIN_INDEX["domestic_abuse"], family] = 0.1  # below both thresholds, and the problem line
    h.crisis_now[family] = h.crisis_domains[DOMAIN_INDEX["domestic_abuse"], family] = True
    week = with_needs(m, new_week(m))
    AgencyThresholds(m.casework, referral_loss=0.0).notice(week)
    assert week.referrals[csc.index].tolist() == [family] and police.index not in week.referrals
    SeparateAssessments(m.casework).assess(week)
    assert week.counts.screened_out[csc.index] == 1 and h.status[csc.index, family] == NONE


def test_a_lost_referral_is_not_noticed(model):
    m, housing = model, agency(model, "housing")
    h = m.households
    for a in m.agency_list:
        m.services.detection[a.index] = 0.0
    referrer = next(a for a in m.agency_list if m.services.referral_odds[a.index, housing.index] > 0)
    m.services.referral_odds[referrer.index, housing.index] = 1.0
    h.status[referrer.index, 5] = SERVED
    h.severity[DOMAIN_INDEX[housing.spec.domains[0]], 5] = 0.95
    kept, lost = with_needs(m, new_week(m)), with_needs(m, new_week(m))
    AgencyThresholds(m.casework, referral_loss=0.0).notice(kept)
    AgencyThresholds(m.casework, referral_loss=1.0).notice(lost)
    assert 5 in kept.referrals[housing.index]
    assert housing.index not in lost.referrals and lost.counts.referrals_lost[housing.index] == 1


def flag(m, households, problems: int | None = None, risk: float | None = None) -> None:
    """Give the households `problems` adult needs adding up to a risk score just over `risk`
    (default: the single tier's flag)."""
    spec = m.keyworkers.spec
    problems, risk = problems or spec.min_problems, spec.risk_threshold if risk is None else risk
    adult_domains = [d for d in range(len(DOMAIN_INDEX)) if m.needs.who[d] is None][:problems]
    m.households.severity[np.ix_(adult_domains, np.atleast_1d(households))] = risk / problems + 0.05


def asking(m, routes, **settings) -> KeyWorkerReferrals:
    """The team's routes in, as the scenario would set them, on a team that is running."""
    spec = m.keyworkers.spec
    for key, value in {"routes": routes, "consent": 1.0, **settings}.items():
        setattr(spec, key, value)
    m.money.open_year(1)
    return KeyWorkerReferrals(m.casework, shared_data=True)


def test_the_shared_risk_score_flags_families_with_several_problems_up_to_the_list_s_room(model):
    m = model
    h, t, spec = m.households, m.services.team_index, m.keyworkers.spec
    routes = asking(m, ["risk_score", "crisis"], detection=1.0)
    room = m.keyworkers.slots
    assert room > 2
    flagged = np.arange(room + 5)  # more families than the list has room for
    flag(m, flagged)
    adult_domains = [d for d in range(len(DOMAIN_INDEX)) if m.needs.who[d] is None][:spec.min_problems]
    h.severity[adult_domains[:-1], room + 10] = 0.9  # a high score, but too few problems
    h.crisis_now[room + 4] = True  # a crisis comes first
    week = with_needs(m, new_week(m))
    routes.notice(week)
    found = week.referrals[t]
    assert found.size == room and found[0] == room + 4 and room + 10 not in found


def test_without_the_risk_score_agencies_with_open_cases_and_crises_bring_families_to_the_team(model):
    m = model
    h, t = m.households, m.services.team_index
    police = agency(m, "police")
    flag(m, [1, 2, 3, 4])
    h.status[police.index, 2] = SERVED  # an open case: the police may refer the family
    h.status[police.index, 3] = EARLY   # early help is an open case too
    h.crisis_now[4] = True
    routes = asking(m, ["risk_score", "agency_referral", "crisis"], detection=1.0, agency_referral=1.0)
    routes.by_risk_score = False  # as without shared data
    week = with_needs(m, new_week(m))
    routes.notice(week)
    found = list(week.referrals[t])  # the crisis first, the rest in a random order; family 1, known to no agency, is not found
    assert found[0] == 4 and sorted(found) == [2, 3, 4]
    only_crisis = asking(m, ["crisis"], agency_referral=1.0)
    h.status[t] = NONE
    week = with_needs(m, new_week(m))
    only_crisis.notice(week)
    assert list(week.referrals[t]) == [4]


def test_a_family_that_declines_is_not_asked_again_for_a_while(model):
    m = model
    h, t, spec = m.households, m.services.team_index, m.keyworkers.spec
    flag(m, [1, 2])
    asking(m, ["risk_score"], detection=1.0, consent=0.0).notice(week := with_needs(m, new_week(m, 10)))
    assert week.referrals[t].size == 0 and list(h.declined_week[[1, 2]]) == [10, 10]
    again = asking(m, ["risk_score"], detection=1.0)
    again.notice(week := with_needs(m, new_week(m, 10 + spec.asked_again_weeks - 1)))
    assert t not in week.referrals  # not yet
    again.notice(week := with_needs(m, new_week(m, 10 + spec.asked_again_weeks)))
    assert list(week.referrals[t]) == [1, 2]


def test_the_tiered_model_takes_each_family_into_its_tier_on_the_tier_s_caseload():
    m = LocalityModel("thanet", overrides={**TINY, "regime.kind": "integrated", "regime.pooled_share": 0.3,
                                            "keyworkers.tiered": True})
    m.households.severity[:] = 0.0
    m.households.status[:] = NONE
    h, t, spec, team = m.households, m.services.team_index, m.keyworkers.spec, m.keyworkers
    intensive, moderate, light = spec.tiers.values()
    assert list(team.caseloads) == [round(spec.caseload * tier.caseload_times) for tier in (intensive, moderate, light)]
    flag(m, 1, intensive.min_problems, intensive.risk_threshold)
    flag(m, 2, moderate.min_problems, moderate.risk_threshold)
    flag(m, 3, light.min_problems, light.risk_threshold)
    flag(m, 4, light.min_problems - 1, light.risk_threshold)  # too few problems for any tier
    routes = asking(m, ["risk_score"], detection=1.0)
    week = with_needs(m, new_week(m))
    routes.notice(week)
    assert sorted(week.referrals[t]) == [1, 2, 3] and list(h.plan_tier[[1, 2, 3]]) == [0, 1, 2]
    slots = team.slots_by_tier
    shares = np.array([tier.worker_share for tier in (intensive, moderate, light)])
    assert list(slots) == list(np.floor(team.count * shares * team.caseloads + 1e-9).astype(int)) and slots.sum() > 0
    help_stage = Help(m.casework)
    assert help_stage.plan_effect[0] > help_stage.plan_effect[1] > help_stage.plan_effect[2]  # fewer hours, less done


def test_a_plan_works_in_each_domain_as_strongly_as_its_evaluation_found(model):
    m = model
    h, t, spec = m.households, m.services.team_index, m.keyworkers.spec
    work, offending = DOMAIN_INDEX["worklessness"], DOMAIN_INDEX["antisocial_offending"]
    i = int(np.flatnonzero(h.may_have[work])[0])  # a household of working age
    h.severity[[work, offending], i] = 0.6
    h.status[t, i] = SERVED
    m.money.open_year(1)
    week = with_needs(m, new_week(m))
    week.caseloads = {t: np.array([i])}
    Help(m.casework)(week)
    fell = 0.6 - h.severity[[work, offending], i]
    effects = spec.domain_effects()
    assert fell[0] / fell[1] == pytest.approx(effects["worklessness"] / effects["antisocial_offending"], rel=1e-3)
    assert fell[0] < fell[1]


def test_a_child_protection_plan_holds_the_case_open_until_a_review_ends_it(model):
    """On a plan, a case does not close on recovery; a review conference finding the need
    below the threshold ends the plan, and the case then closes as any other."""
    m = model
    h, csc = m.households, agency(model, "childrens_social_care")
    protection = csc.spec.protection
    families = np.array([90, 91, 92])
    h.has_children[families] = True
    m.services.people_changed()
    h.severity[:, families] = 0.0  # recovered: every need below the problem line
    h.engagement[families] = 1.0  # nobody drops out
    h.status[csc.index, families] = SERVED
    now = 40
    h.plan_since[families] = [now - 5, now - protection.first_review_weeks, NEVER]  # no review due; a review; no plan
    m.money.open_year(1)
    week = with_needs(m, new_week(m, now))
    week.caseloads = {csc.index: families}
    Help(m.casework)(week)
    assert list(h.status[csc.index, families]) == [SERVED, NONE, NONE]
    assert list(h.plan_since[families]) == [now - 5, NEVER, NEVER] and week.counts.plans_ended[csc.index] == 1


def test_a_review_conference_judges_need_against_the_standing_threshold_not_the_rationed_one(model):
    """Rationing raises what it takes to be helped, not what a child needs to be safe: a
    review finding the need between the scenario's threshold and the rationed one keeps
    the plan; one finding it below the scenario's ends it."""
    m, h = model, model.households
    csc, protection, domain, families = families_of_csc(m, [93, 94])
    h.engagement[families] = 1.0
    m.money.open_year(1)
    csc.threshold = csc.floor + 0.15  # rationing has raised it
    h.severity[domain, families] = [csc.floor + 0.1, csc.floor - 0.1]  # after this week's help, still either side
    h.status[csc.index, families] = SERVED
    now = 40
    h.plan_since[families] = now - protection.first_review_weeks  # both reviewed this week
    week = with_needs(m, new_week(m, now))
    week.caseloads = {csc.index: families}
    Help(m.casework)(week)
    assert list(h.plan_since[families]) == [now - protection.first_review_weeks, NEVER]
    assert week.counts.plans_ended[csc.index] == 1


@pytest.mark.parametrize("order", ["severity", "arrival"])
def test_a_family_on_a_plan_is_offered_a_place_first_and_keeps_its_place_on_the_list(model, order):
    """A family on a child protection plan waiting for children's social care is taken
    on before needier (or earlier) families off a plan, and a review of its place does
    not drop it, however its need has fallen: only a review conference ends a plan."""
    m = model
    h, csc = m.households, agency(model, "childrens_social_care")
    domain = DOMAIN_INDEX[csc.spec.domains[0]]
    families = np.array([60, 61, 62])
    h.has_children[families] = True
    m.services.people_changed()
    h.status[csc.index, families] = WAITING
    h.severity[domain, families] = [csc.threshold + 0.2, csc.threshold + 0.05, csc.threshold - 0.1]
    review = m.params.services.list_review_weeks
    now = 100
    h.waiting_since[csc.index, families] = [now - review - 5, now - 2, now - review]  # 60 came first; 62's place is up for review
    h.plan_since[families] = [NEVER, now - 2, now - review - 1]  # 61 and 62 on a plan, no review conference due
    csc.slots, csc.most_cases, csc.early_slots = 1, 1, 0
    week = new_week(m, number=now)
    AgencyQueues(m.casework, order).allocate(week)
    taken = 62 if order == "arrival" else 61  # first come among the plans; or the neediest of them
    assert h.status[csc.index, taken] == SERVED and week.counts.admissions[csc.index] == 1
    assert h.status[csc.index, 60] == WAITING and week.counts.dropped[csc.index] == 0
    assert (h.status[csc.index, [61, 62]] != NONE).all()  # a plan keeps its family on the books


def test_a_case_kept_beside_a_key_worker_folds_into_the_plan_once_a_review_ends_the_child_protection_plan(model):
    """Once a review has ended the child protection plan, children's social care's case
    closes into the key worker's plan, which covers the family; a plan still running keeps it."""
    from locality.sim.week import FOLDED

    m = model
    h, t, csc = m.households, m.services.team_index, agency(m, "childrens_social_care")
    m.money.open_year(1)
    families = [43, 44]
    h.has_children[families] = True
    m.services.people_changed()
    h.severity[:4, families] = 0.8
    h.status[t, families] = SERVED
    h.status[csc.index, families] = SERVED
    h.plan_since[families] = [NEVER, -3]  # 43's plan ended at a review last week; 44's runs
    week = with_needs(m, new_week(m))
    KeyWorkerPlans(m.casework, "arrival").allocate(week)
    assert list(h.status[csc.index, families]) == [NONE, SERVED]
    closed = [e for e in week.events.items if e.kind == "closed" and e.where == csc.index]
    assert closed[0].households.tolist() == [43] and closed[0].detail.tolist() == [FOLDED]


# --- stage 3 ----------------------------------------------------------------------------------
def eligible_for(m, names: list[str], households: list[int], margin: float = 0.05) -> None:
    """Give the households a need just above each named agency's threshold."""
    for name in names:
        a = agency(m, name)
        m.households.severity[DOMAIN_INDEX[a.spec.domains[0]], households] = min(a.threshold + margin, 1.0)


def test_separate_assessments_charge_each_agency_and_wear_engagement_down(model):
    m = model
    h, a, b = m.households, agency(m, "police"), agency(m, "housing")
    eligible_for(m, ["police", "housing"], [7])
    before = h.engagement[7]
    week = new_week(m)
    week.referrals = {a.index: np.array([7]), b.index: np.array([7])}
    SeparateAssessments(m.casework).assess(week)
    assert h.assessments[7] == 2 and h.status[a.index, 7] == h.status[b.index, 7] == WAITING
    assert h.engagement[7] == pytest.approx(before * (1 - m.params.services.assessment_fatigue))  # the second wore it
    assert m.ledger.by_agency[a.index, 7] == a.spec.assessment_cost and m.ledger.by_agency[b.index, 7] == b.spec.assessment_cost


def test_a_siloed_agency_does_not_assess_again_what_it_assessed_lately_but_another_agency_does(model):
    m = model
    h, a, b = m.households, agency(m, "police"), agency(m, "housing")
    eligible_for(m, ["police", "housing"], [7])
    valid = m.params.services.assessment_valid_weeks
    first = new_week(m, number=10)
    first.referrals = {a.index: np.array([7])}
    SeparateAssessments(m.casework).assess(first)
    h.status[a.index, 7] = NONE  # left the list since
    again = new_week(m, number=10 + valid)
    again.referrals = {a.index: np.array([7]), b.index: np.array([7])}
    SeparateAssessments(m.casework).assess(again)
    assert again.counts.assessments[a.index] == 0 and again.counts.assessments[b.index] == 1  # one episode per agency
    assert h.status[a.index, 7] == WAITING  # its assessment stands: back on the list
    stale = new_week(m, number=10 + valid + 1)
    h.status[a.index, 7] = NONE
    stale.referrals = {a.index: np.array([7])}
    SeparateAssessments(m.casework).assess(stale)
    assert stale.counts.assessments[a.index] == 1 and h.assessments[7] == 3


def test_a_shared_assessment_is_not_repeated_while_it_is_valid(model):
    m = model
    h, a, b = m.households, agency(m, "police"), agency(m, "housing")
    eligible_for(m, ["police", "housing"], [7])
    week = new_week(m, number=10)
    week.referrals = {a.index: np.array([7]), b.index: np.array([7])}
    SharedAssessment(m.casework).assess(week)
    assert h.assessments[7] == 1 and h.status[b.index, 7] == WAITING  # joins both lists, assessed once
    later = new_week(m, number=10 + m.params.services.assessment_valid_weeks + 1)
    later.referrals = {b.index: np.array([7])}
    SharedAssessment(m.casework).assess(later)
    assert h.assessments[7] == 2  # stale by then: assessed again


@pytest.mark.parametrize("assessing", [SeparateAssessments, SharedAssessment])
def test_a_referral_is_screened_out_or_assessed_into_a_place_on_the_list_or_early_help(model, assessing):
    m = model
    h, housing = m.households, agency(m, "housing")
    domain, line = DOMAIN_INDEX[housing.spec.domains[0]], m.params.needs.problem_line
    h.severity[domain, [1, 2, 3]] = [housing.threshold, (line + housing.threshold) / 2, line - 0.01]
    week = new_week(m)
    week.early_finds = {housing.index: np.array([9])}  # found by early help itself
    week.referrals = {housing.index: np.array([1, 2, 3])}
    assessing(m.casework).assess(week)
    assert week.counts.assessments[housing.index] == 2 and h.assessments[3] == 0  # the third screened out, unassessed
    assert h.status[housing.index].tolist()[1:4] == [WAITING, NONE, NONE]
    assert week.early_finds[housing.index].tolist() == [2, 9]  # offered early help, in household order
    assert week.counts.offered_early_help[housing.index] == 1 and week.counts.screened_out[housing.index] == 1
    assert [e.households.tolist() for e in week.events.items if e.kind == "screened_out"] == [[3]]
    assert [e.households.tolist() for e in week.events.items if e.kind == "offered_early_help"] == [[2]]


def test_a_referral_within_a_year_of_the_last_one_is_a_re_referral(model):
    m = model
    housing = agency(m, "housing")
    eligible_for(m, ["housing"], [4, 5])
    for number, households, expected in [(0, [4], 0), (30, [4, 5], 1), (30 + 52, [4], 1), (30 + 52 + 53, [4, 5], 0)]:
        week = new_week(m, number=number)
        week.referrals = {housing.index: np.array(households)}
        m.households.status[housing.index] = NONE
        SeparateAssessments(m.casework).assess(week)
        assert week.counts.rereferrals[housing.index] == expected, number


# --- stage 4 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["severity", "arrival"])
def test_an_agency_queue_takes_the_worst_first_or_the_first_come(model, order):
    m, h = model, model.households
    police, _ = police_cases(m, [10, 11, 12, 13], [0.9, 0.7, 0.8, 0.0], WAITING)
    h.waiting_since[police.index, [10, 11, 12]] = [3, 1, 2]
    police_cases(m, [13, 14], [police.threshold - 0.05] * 2, WAITING)  # waiting, no longer eligible
    review = m.params.services.list_review_weeks
    h.waiting_since[police.index, [13, 14]] = [5, 4]  # 13's place comes up for review this week
    police.slots, police.early_slots = 1, 0
    week = new_week(m, number=5 + review)
    AgencyQueues(m.casework, order).allocate(week)
    taken = 10 if order == "severity" else 11
    assert h.status[police.index, taken] == SERVED and list(week.caseloads[police.index]) == [taken]
    assert h.status[police.index, 13] == NONE and week.counts.dropped[police.index] == 1
    assert h.status[police.index, 14] == WAITING  # not yet reviewed: it keeps its place
    assert week.eligible_waiting[police.index] == 2  # of the three still waiting, 14 no longer qualifies


def test_a_place_is_reviewed_when_it_is_offered(model):
    m, h = model, model.households
    police, _ = police_cases(m, [20, 21], [agency(m, "police").threshold - 0.05, 0.9], WAITING)  # 20 no longer eligible
    h.waiting_since[police.index, [20, 21]] = [1, 2]  # 20 first in line, no review due
    police.slots, police.early_slots = 1, 0
    week = new_week(m, number=5)
    AgencyQueues(m.casework, "arrival").allocate(week)
    assert h.status[police.index, 20] == NONE and week.counts.dropped[police.index] == 1  # offered, no longer eligible
    assert h.status[police.index, 21] == WAITING and week.counts.admissions[police.index] == 0  # the place waits a week


def test_when_capacity_falls_the_least_needy_case_closes(model):
    m, h = model, model.households
    police, _ = police_cases(m, [20, 21, 22], [0.9, 0.6, 0.8])
    police.slots, police.most_cases, police.early_slots = 1, 2, 0  # its workers carry two cases at most
    h.status[police.index, 23] = WAITING
    h.severity[DOMAIN_INDEX[police.spec.domains[0]], 23] = 0.95
    week = new_week(m)
    AgencyQueues(m.casework, "severity").allocate(week)
    assert h.status[police.index, 21] == NONE and list(h.status[police.index, [20, 22]]) == [SERVED, SERVED]
    closed = [e for e in week.events.items if e.kind == "closed"]
    assert closed[0].households.tolist() == [21] and closed[0].detail.tolist() == [NO_CAPACITY]
    assert h.status[police.index, 23] == WAITING  # above the safe caseload: nobody new is taken on


def test_early_help_takes_early_finds_while_prevention_money_lasts(model):
    m, police = model, agency(model, "police")
    police.slots, police.early_slots = 0, 2
    week = new_week(m)
    week.early_finds = {police.index: np.array([30, 31, 32])}
    AgencyQueues(m.casework, "severity").allocate(week)
    assert list(np.flatnonzero(m.households.status[police.index] == EARLY)) == [30, 31]


def test_key_workers_take_waiting_families_and_their_agency_cases_fold_in(model):
    m = model
    h, t, police = m.households, m.services.team_index, agency(m, "police")
    m.money.open_year(1)
    h.severity[:4, [40, 41]] = 0.8
    h.status[t, [40, 41, 42]] = WAITING
    h.status[police.index, 40] = SERVED
    week = with_needs(m, new_week(m))
    KeyWorkerPlans(m.casework, "arrival").allocate(week)
    assert h.status[t, 40] == h.status[t, 41] == SERVED
    assert h.status[police.index, 40] == NONE  # the plan covers the whole family
    assert h.status[t, 42] == NONE  # its risk had fallen below the share of the flag: off the list
    assert list(week.caseloads[t]) == [40, 41]


def test_a_child_protection_plan_goes_on_beside_a_key_worker_s_plan(model):
    """A key worker takes over a family's agency cases, but not children's social care's
    case where the family is on a child protection plan: the plan, and its case, go on
    until a review ends them. A plan whose case had closed ends when the key worker
    comes."""
    m = model
    h, t, police, csc = m.households, m.services.team_index, agency(m, "police"), agency(m, "childrens_social_care")
    m.money.open_year(1)
    families = [40, 41, 42]
    h.has_children[families] = True
    m.services.people_changed()
    h.severity[:4, families] = 0.8
    h.status[t, families] = WAITING
    h.status[police.index, families] = SERVED
    h.status[csc.index, [40, 41]] = SERVED
    h.plan_since[families] = [-3, NEVER, -3]  # on a plan; not; a plan whose case has closed
    week = with_needs(m, new_week(m))
    KeyWorkerPlans(m.casework, "arrival").allocate(week)
    assert list(h.status[t, families]) == [SERVED] * 3
    assert list(h.status[police.index, families]) == [NONE] * 3  # the plan covers the whole family
    assert list(h.status[csc.index, families]) == [SERVED, NONE, NONE]  # but the protection case stays
    assert list(h.plan_since[families]) == [-3, NEVER, NEVER]


# --- stage 5 ----------------------------------------------------------------------------------
def test_help_closes_cases_for_the_reason_that_applies_first(model):
    m, h = model, model.households
    police, _ = police_cases(m, [50, 51, 52], [m.params.needs.problem_line + 0.001, 0.9, 0.9])
    h.weeks_open[police.index, 51] = police.spec.max_weeks - 1
    h.engagement[[50, 51, 52]] = [1.0, 1.0, 0.0]
    m.params.services.dropout = 1.0  # at engagement 0, certain to drop out
    week = new_week(m)
    week.caseloads = {police.index: np.array([50, 51, 52])}
    Help(m.casework)(week)
    why = {e.households[k]: e.detail[k] for e in week.events.items if e.kind == "closed" for k in range(e.households.size)}
    assert why == {50: RECOVERED, 51: LONGEST, 52: DROPPED_OUT}
    assert week.counts.dropouts == 1 and (h.status[police.index, [50, 51, 52]] == NONE).all()
    assert week.standing[police.index, SERVED] == 0


def test_a_case_with_a_course_of_help_closes_on_recovery_only_once_the_course_is_done(model):
    m, h = model, model.households
    police, _ = police_cases(m, [53, 54], [m.params.needs.problem_line + 0.001] * 2)
    police.spec.course_weeks = 4
    h.weeks_open[police.index, [53, 54]] = [1, 3]  # this week is the second of the course, and the fourth
    h.engagement[[53, 54]] = 1.0
    week = new_week(m)
    week.caseloads = {police.index: np.array([53, 54])}
    Help(m.casework)(week)
    why = {e.households[k]: e.detail[k] for e in week.events.items if e.kind == "closed" for k in range(e.households.size)}
    assert why == {54: RECOVERED}
    assert h.status[police.index, 53] == SERVED and h.status[police.index, 54] == NONE


def test_help_lowers_needs_more_at_lower_severity_and_is_paid_for(model):
    m, h = model, model.households
    police, domain = police_cases(m, [60, 61], [0.5, 0.9])
    h.engagement[[60, 61]] = 1.0
    week = new_week(m)
    week.caseloads = {police.index: np.array([60, 61])}
    Help(m.casework)(week)
    relief = np.array([0.5, 0.9]) - h.severity[domain, [60, 61]]
    assert relief[0] / 0.5 > relief[1] / 0.9  # a larger share of a smaller need
    workforce = police.workforce  # its workers' pay, shared by its cases, and the services each case draws
    assert m.ledger.by_agency[police.index, 60] == pytest.approx(workforce.pay_per_week / 2 + workforce.commissioned)


# --- stages 6 and 7 ----------------------------------------------------------------------------
def test_a_crisis_is_a_hazard_that_rises_with_the_need_and_is_billed_to_its_payers(model):
    import dataclasses

    m = model
    stage = dict(m.loop.stages)["crises happen"]
    kind = dataclasses.replace(m.crisis_kinds[0], rate=1.0, steepness=1.0)  # the chance is the need itself
    stage.kinds = [kind] + stage.kinds[1:]
    for other in stage.kinds[1:]:
        object.__setattr__(other, "rate", 0.0)
    h = m.households
    h.has_children[:] = True
    h.severity[kind.column, 70] = 1.0  # certain
    h.severity[kind.column, 71] = 0.0  # never
    h.severity[kind.column, 100:400] = 0.25  # a quarter of them, on average
    week = new_week(m)
    stage(week)
    assert 70 in week.crisis_hits[0] and 71 not in week.crisis_hits[0]
    assert 40 < np.isin(week.crisis_hits[0], np.arange(100, 400)).sum() < 110
    assert h.crises[70] == 1 and h.severity[kind.column, 70] == pytest.approx(kind.after)
    assert sum(m.ledger.by_agency[p, 70] for p, _ in kind.bills) == pytest.approx(sum(c for _, c in kind.bills))


def test_a_hazard_keeps_each_household_with_chance_rate_times_need_to_the_steepness():
    from locality.sim.crises import CrisisKind, who_has

    need = np.repeat(np.array([0.0, 0.2, 0.5, 1.0], np.float32), 50_000)
    kind = CrisisKind("k", "k", 0, rate=0.04, steepness=2.0, after=0.0, bills=(), knock_on=())
    hit = who_has(kind, need, np.random.default_rng(1))
    share = np.bincount(hit // 50_000, minlength=4) / 50_000
    assert share[0] == 0
    expected = 0.04 * np.array([0.2, 0.5, 1.0]) ** 2
    assert (np.abs(share[1:] - expected) < 4 * np.sqrt(expected * (1 - expected) / 50_000)).all()


def test_a_placement_takes_a_child_from_home_bills_every_week_and_some_come_back():
    m = LocalityModel("thanet", overrides={**TINY, "stocks.children_in_care.mean_weeks": 2,
                                           "stocks.children_in_care.returns": 1.0})
    h = m.households
    s = [k.name for k in m.stock_kinds].index("children_in_care")
    care = m.stock_kinds[s]
    h.in_stock[:] = 0
    family = int(np.flatnonzero(h.children >= 2)[0])
    before = int(h.children[family])
    stage = dict(m.loop.stages)["stocks move"]
    week = new_week(m)
    week.crisis_hits = {k: np.zeros(0, np.intp) for k in range(len(m.crisis_kinds))}
    week.crisis_hits[care.entered_by[0]] = np.array([family])
    stage(week)
    assert h.in_stock[s, family] == 1 and h.children[family] == before - 1
    assert m.ledger.by_agency[care.payer, family] == pytest.approx(care.week_cost)
    for _ in range(60):  # leaving is a weekly chance of 1 / 2: gone within 60 weeks
        later = new_week(m)
        later.crisis_hits = {k: np.zeros(0, np.intp) for k in range(len(m.crisis_kinds))}
        stage(later)
    assert h.in_stock[s, family] == 0 and h.children[family] == before  # every child comes home here


def test_universal_services_are_billed_per_user_every_week_and_budgeted_in_full():
    m = LocalityModel("thanet", overrides=TINY)
    gp = next(k for k in m.universal.kinds if k.per == "person")
    h = m.households
    paid = m.ledger.by_agency[gp.payer].copy()
    m.universal(new_week(m))
    people = h.adults.astype(float) + h.children
    assert np.allclose(m.ledger.by_agency[gp.payer] - paid, people * gp.year_cost / 52)
    agency = m.agency_list[gp.payer]
    assert m.ledger.budget[0, gp.payer] == pytest.approx(agency.budget + m.universal.year_cost(gp.payer))


def test_money_hands_on_this_week_s_budgets_before_it_opens_the_next_year():
    m = LocalityModel("thanet", overrides={**TINY, "run.years": 2, "budget.cut": 0.3, "budget.cut_years": 2})
    week = new_week(m, number=51)  # the year's last week
    week.standing = np.zeros((len(m.payers), 4), np.int64)
    week.eligible_waiting = np.zeros(len(m.agency_list), np.int64)
    this_year = m.ledger.budget[0].copy()
    m.money(week)
    assert m.ledger.year == 1 and not np.allclose(m.ledger.budget[1], this_year)  # next year opened, smaller
    assert np.array_equal(week.budgets, this_year)


def test_new_problems_grow_by_each_domain_s_own_trend():
    m = LocalityModel("thanet", overrides={**TINY, "population.households": 5_000, "demand.growth": 0.0,
                                           "demand.trend": {"worklessness": 0.5}})
    assert m.params.demand.trends()["worklessness"] == 0.5 and m.params.demand.trends()["antisocial_offending"] == 0.0

    def shocks_per_domain(first: int, weeks: int = 40) -> np.ndarray:
        counts = np.zeros(len(DOMAIN_INDEX))
        for week in range(first, first + weeks):  # each week draws from its own stream
            columns, bounds, _, _ = m.needs.draw_shocks(week)
            counts[columns] += np.diff(bounds)
        return counts

    now, later = shocks_per_domain(0), shocks_per_domain(4 * 52)  # the same weeks of the year, four years on
    work = DOMAIN_INDEX["worklessness"]
    assert later[work] / now[work] == pytest.approx(1.5 ** 4, rel=0.15)
    others = np.delete(np.arange(len(DOMAIN_INDEX)), work)
    assert later[others].sum() / now[others].sum() == pytest.approx(1.0, rel=0.05)


def test_a_key_worker_s_plan_does_more_the_more_hours_each_family_gets():
    from locality.agents.keyworkers import plan_dose

    plans = {}
    for caseload in (3, 6, 24):
        m = LocalityModel("thanet", overrides={**TINY, "regime.kind": "integrated", "keyworkers.caseload": caseload})
        plans[caseload] = Help(m.casework).plan_effect[0]  # the team's one tier: a plan's weekly effect
    spec = m.params.keyworkers
    assert plans[3] > plans[6] > plans[24]
    assert plans[6] == pytest.approx(spec.effect * spec.whole_family_bonus, rel=1e-12)  # 37.5 hours over 6 families: the reference dose
    half = spec.model_copy(update={"week_hours": spec.half_hours * 6})  # at half_hours a family, half the most
    most = spec.model_copy(update={"week_hours": 1e6 * 6})
    assert plan_dose(half, 6) / plan_dose(most, 6) == pytest.approx(0.5, rel=1e-4)


def test_without_shared_data_the_key_workers_still_reach_families_through_agencies_and_crises():
    """The team is not idle without the risk score: agencies refer families with open cases, and crises bring them."""
    m = LocalityModel("thanet", overrides={"population.households": 3000, "run.years": 1, "run.seed": 5,
                                           "regime.kind": "integrated", "regime.shared_risk": False})
    m.run()
    team = m.services.team_index
    assert m.recorder.so_far is not None
    assert int((m.households.status[team] == SERVED).sum()) > 0 and m.households.episodes.sum() > 0


def test_a_child_protection_plan_survives_missed_appointments_and_a_shortage_of_places(model):
    """Only a review conference ends a plan: a family on one that misses every
    appointment stays on it (and is not counted as dropping out), and when the agency
    has more cases than places, the least needy cases off a plan close first, never one
    on a plan, even if the plans alone overfill it."""
    from locality.sim.allocating import Admissions

    m = model
    h, csc = m.households, agency(model, "childrens_social_care")
    families = np.array([70, 71, 72, 73])
    h.has_children[families] = True
    m.services.people_changed()
    h.severity[:, families] = 0.9  # in need: no recovery this week
    h.engagement[families] = 0.0  # every family misses its appointments
    h.status[csc.index, families] = SERVED
    now = 40
    h.plan_since[families] = [now - 1, now - 2, NEVER, NEVER]  # two on a plan, no review due
    m.money.open_year(1)
    object.__setattr__(m.casework.rules, "dropout", 1.0)  # every unengaged family drops out
    week = with_needs(m, new_week(m, now))
    week.caseloads = {csc.index: families}
    Help(m.casework)(week)
    assert list(h.status[csc.index, families]) == [SERVED, SERVED, NONE, NONE]
    assert week.counts.dropouts == 2  # the two off a plan

    h.status[csc.index, families] = SERVED
    kept = h.plan_since[families] != NEVER
    need = np.array([0.3, 0.2, 0.8, 0.9])
    admit = Admissions(m.casework)
    room = admit.make_room(new_week(m, now), csc.index, families, 3, lambda homes: need[np.searchsorted(families, homes)],
                           kept=kept)
    assert list(h.status[csc.index, families]) == [SERVED, SERVED, NONE, SERVED] and room == 0  # the least needy off a plan
    room = admit.make_room(new_week(m, now), csc.index, families[[0, 1, 3]], 1,
                           lambda homes: need[np.searchsorted(families, homes)], kept=kept[[0, 1, 3]])
    assert list(h.status[csc.index, families]) == [SERVED, SERVED, NONE, NONE] and room == 0  # the plans overfill it


def test_children_s_social_care_opens_an_enquiry_and_a_plan_where_the_need_reaches_their_lines(model):
    m = model
    h, csc = m.households, agency(model, "childrens_social_care")
    protection = csc.spec.protection
    domain = DOMAIN_INDEX[csc.spec.domains[0]]
    h.has_children[[80, 81, 82]] = True
    m.services.people_changed()
    h.severity[domain, [80, 81, 82]] = [protection.enquiry_line - 0.05, protection.enquiry_line + 0.01,
                                        min(protection.plan_line + 0.05, 1.0)]
    h.plan_since[80] = 3  # an old plan: a new referral begins a new episode
    week = new_week(m, 10)
    week.referrals = {csc.index: np.array([80, 81, 82])}
    SeparateAssessments(m.casework).assess(week)
    assert week.counts.enquiries[csc.index] == 2 and week.counts.plans_started[csc.index] == 1
    assert list(h.plan_since[[80, 81, 82]]) == [NEVER, NEVER, 10]
    paid = m.ledger.by_agency[csc.index, [80, 81]]
    assert paid[1] - paid[0] == pytest.approx(protection.enquiry_cost)  # both assessed; only 81's need an enquiry
    assert [e.kind for e in week.events.items].count("enquiry") == 1


def test_a_plan_brings_a_case_even_where_the_threshold_has_been_raised_above_the_plan_line(model):
    """Managers may raise children's social care's threshold above the plan line (the
    agency game lets them): a family whose referral starts a plan still joins its list,
    while one below the threshold and off a plan is offered early help."""
    m = model
    h, csc = m.households, agency(model, "childrens_social_care")
    protection = csc.spec.protection
    domain = DOMAIN_INDEX[csc.spec.domains[0]]
    h.has_children[[83, 84]] = True
    m.services.people_changed()
    csc.threshold = 0.99
    h.severity[domain, [83, 84]] = [protection.enquiry_line + 0.01, min(protection.plan_line + 0.05, 0.98)]
    week = new_week(m, 10)
    week.referrals = {csc.index: np.array([83, 84])}
    SeparateAssessments(m.casework).assess(week)
    assert list(h.status[csc.index, [83, 84]]) == [NONE, WAITING] and list(h.plan_since[[83, 84]]) == [NEVER, 10]
    assert list(week.early_finds[csc.index]) == [83]


def test_a_family_on_a_plan_waiting_for_a_place_has_its_review_conference_all_the_same(model):
    """A review conference falls while a family on a plan waits: one finding the need
    below the standing threshold ends the plan (counted), and the family is then as any
    other on the list; one finding it above keeps the plan and the place."""
    m, h = model, model.households
    csc, protection, domain, families = families_of_csc(m, [64, 65])
    h.status[csc.index, families] = WAITING
    h.severity[domain, families] = [csc.floor - 0.1, csc.floor + 0.1]
    review = m.params.services.list_review_weeks
    now = 200
    h.waiting_since[csc.index, families] = now - review  # their places are up for review too
    h.plan_since[families] = now - protection.first_review_weeks
    csc.threshold = csc.floor + 0.15  # rationing: neither is eligible off a plan
    csc.slots, csc.most_cases, csc.early_slots = 0, 0, 0
    week = new_week(m, number=now)
    AgencyQueues(m.casework, "severity").allocate(week)
    assert list(h.plan_since[families]) == [NEVER, now - protection.first_review_weeks]
    assert week.counts.plans_ended[csc.index] == 1
    assert list(h.status[csc.index, families]) == [NONE, WAITING] and week.counts.dropped[csc.index] == 1


def test_a_plan_begun_the_same_week_early_help_found_the_family_keeps_its_case(model):
    """A family found for early help below a threshold raised above the plan line, and
    referred by a crisis the same week with a need that starts a plan, stays on the list
    for a place: early help does not take it over, nor count it twice."""
    m, h = model, model.households
    csc, protection, domain, families = families_of_csc(m, [85])
    csc.threshold = 0.99
    h.severity[domain, families] = min(protection.plan_line + 0.05, 0.98)
    week = new_week(m, 10)
    week.early_finds = {csc.index: families.copy()}  # noticing found it below the threshold
    week.referrals = {csc.index: families}  # and a crisis referred it
    SeparateAssessments(m.casework).assess(week)
    csc.slots, csc.most_cases, csc.early_slots = 0, 0, 5
    AgencyQueues(m.casework, "severity").allocate(week)
    assert h.status[csc.index, 85] == WAITING and h.plan_since[85] == 10
    assert list(week.caseloads[csc.index]) == [] and week.counts.admissions[csc.index] == 0


def test_a_review_never_ends_a_plan_whose_need_is_still_at_the_plan_line(model):
    """Managers may set the threshold above the plan line; a review conference still keeps
    a plan whose need is at the line that began it."""
    m, h = model, model.households
    csc, protection, domain, families = families_of_csc(m, [86, 87])
    csc.threshold = csc.floor = min(protection.plan_line + 0.15, 0.99)
    h.severity[domain, families] = [protection.plan_line + 0.05, protection.plan_line - 0.1]
    h.engagement[families] = 0.0  # help does nothing this week
    h.status[csc.index, families] = SERVED
    now = 40
    h.plan_since[families] = now - protection.first_review_weeks
    m.money.open_year(1)
    week = with_needs(m, new_week(m, now))
    week.caseloads = {csc.index: families}
    Help(m.casework)(week)
    assert list(h.plan_since[families]) == [now - protection.first_review_weeks, NEVER]


def test_a_family_with_a_key_worker_leaves_the_list_once_a_review_ends_its_plan(model):
    """A family with a key worker, waiting for children's social care on a plan, leaves
    the list as soon as a review conference ends the plan (counted as leaving it), not at
    the next review of its place: the key worker's plan covers it."""
    m, h = model, model.households
    csc, protection, domain, families = families_of_csc(m, [66])
    h.status[m.services.team_index, families] = SERVED
    h.status[csc.index, families] = WAITING
    h.severity[domain, families] = csc.floor - 0.05
    now = 200
    h.waiting_since[csc.index, families] = now - 3
    h.plan_since[families] = now - protection.first_review_weeks
    csc.slots, csc.most_cases, csc.early_slots = 0, 0, 0  # no place to offer, no review of its place due
    week = new_week(m, number=now)
    AgencyQueues(m.casework, "severity").allocate(week)
    assert h.status[csc.index, 66] == NONE and h.plan_since[66] == NEVER
    assert week.counts.dropped[csc.index] == 1 and week.counts.plans_ended[csc.index] == 1
