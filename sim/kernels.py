"""The compiled kernels: the fast implementations of the model's rules (each rule's
readable numpy statement lives in its stage's module; `sim.engine` runs one or the other,
and in "check" mode both). Each kernel has the parameters of its rule, plus `first` and
`last` where the engine may split it over threads.

The hot path's full passes over all households, fused into compiled loops.

numpy does each array operation as a separate pass over memory; at county scale (600,000
households x 9 domains, 22 MB a copy) a week of such passes is memory traffic, not
arithmetic. Most of these kernels take households a block at a time, small enough to
stay in the processor's cache, and do all of a stage's arithmetic on the block, each
inner loop running along one contiguous row of the block, indexed from 0 within the
block (a slice): numba then knows no index is negative, drops its wraparound checks,
and the loop compiles to vector instructions (about four times faster than indexing
the whole row with `i - lo`, measured on a county); noticing walks only the
households whose worst need could reach a threshold, agency by agency; helping walks
only each service's cases.

They are compiled by numba on first use (cached on disk) and each runs on one thread.
Those that take a range (`first`, `last`: of households or of agencies) can be run in
parts at once, each part writing only its own outputs: `sim.threads` does so in a
county. (numba's own parallel loops were tried first: on two cores they gained little,
and when the other core was busy they ran several times slower.)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from locality.parameters.vocabulary import DOMAINS

from .state import COMPLEX, CRISIS, NEVER, PER_ADULT, PER_CHILD, PER_HOUSEHOLD, UNIVERSAL, VULNERABLE
from .week import DROPPED_OUT, LONGEST, RECOVERED

NAMED_DOMAINS = 9  # layout: drift_towards sums the domains in nine named variables
assert len(DOMAINS) == NAMED_DOMAINS, "drift_towards sums the nine domains in nine named variables: add one for each new domain"

JIT = {"cache": True, "nogil": True}
BLOCK = 4096  # households per block: 9 domains x 4096 x 4 bytes = 144 KB, within L2


@njit(**JIT)
def needs_interact(severity, out, pull_matrix, recovery, resilience, first, last):
    """Stage 1, the household's own dynamics: each need fades by the domain's recovery
    rate times the household's resilience, and is pulled up by its other needs
    (`pull_matrix[target, source]`), damped as it nears 1. Reads `severity` (D, N),
    writes `out` (D, N), for households first to last (first on a block boundary)."""
    domains = severity.shape[0]
    pull = np.empty(BLOCK, np.float32)
    for b in range(first // BLOCK, (last + BLOCK - 1) // BLOCK):
        lo, hi = b * BLOCK, min(last, (b + 1) * BLOCK)
        res, p = resilience[lo:hi], pull[: hi - lo]  # indices from 0 within the block let the loops vectorise
        for target in range(domains):
            p[:] = 0.0
            for source in range(domains):
                strength = pull_matrix[target, source]
                if strength != 0.0:
                    row = severity[source, lo:hi]
                    for k in range(p.size):
                        p[k] += strength * row[k]
            s, o, rate = severity[target, lo:hi], out[target, lo:hi], recovery[target]
            for k in range(p.size):
                keep = np.float32(1.0) - rate * res[k]
                o[k] = s[k] * keep + p[k] * (np.float32(1.0) - s[k])


@njit(**JIT)
def shock_households(uniform, accept, alias_ids, ids):
    """Stage 1, where new problems land (Walker's alias method): shock k's `uniform[k]`
    scaled to the table's length picks slot s by its whole part; the shock lands on
    household `ids[s]` if the fraction is below the slot's acceptance, else on
    `alias_ids[s]`."""
    households = np.empty(uniform.size, np.int32)
    slots = accept.size
    for k in range(uniform.size):
        x = uniform[k] * slots
        s = min(int(x), slots - 1)
        households[k] = ids[s] if x - s < accept[s] else alias_ids[s]
    return households


@njit(**JIT)
def place_shocks(severity, columns, bounds, households, sizes, first, last):
    """Stage 1, new problems placed: for the domains `columns[first:last]`, shocks
    `bounds[k]` to `bounds[k + 1]` land on their `households` with their `sizes`, in
    order."""
    for k in range(first, last):
        row = severity[columns[k]]
        for j in range(bounds[k], bounds[k + 1]):
            row[households[j]] += sizes[j]


@njit(**JIT)
def drift_towards(out, severity, indptr, indices, weights, rate, first, last):
    """Stage 1, the social drift: `out += rate x (neighbours' mean - own)` for households
    first to last, the neighbours' mean being row i of the row-normalised network (CSR:
    `indptr`, `indices`, `weights`) times `severity`. Each tie is read once and adds to
    all domains' means; neighbours live close together in index order (same or nearby
    neighbourhood), so their severities are mostly in cache already. Each mean is summed
    in the order of the row's ties, as a sparse product would.

    The nine domains' sums are written out one by one so that they stay in registers
    (summed in an array, they went through memory at every tie, at half the speed);
    the vocabulary's nine domains are checked where this module is imported."""
    s0, s1, s2, s3, s4, s5, s6, s7, s8 = (severity[0], severity[1], severity[2], severity[3], severity[4],
                                          severity[5], severity[6], severity[7], severity[8])
    zero = np.float32(0.0)
    for i in range(first, last):
        m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = m8 = zero
        for t in range(indptr[i], indptr[i + 1]):
            j, w = np.uint64(indices[t]), weights[t]  # unsigned: no check for a negative index
            m0 += w * s0[j]
            m1 += w * s1[j]
            m2 += w * s2[j]
            m3 += w * s3[j]
            m4 += w * s4[j]
            m5 += w * s5[j]
            m6 += w * s6[j]
            m7 += w * s7[j]
            m8 += w * s8[j]
        own = np.uint64(i)
        for d, mean in enumerate((m0, m1, m2, m3, m4, m5, m6, m7, m8)):
            out[d, own] += rate * (mean - severity[d, own])


@njit(**JIT)
def needs_settle(raw, severity, may_have, problem_line, risk, n_problems, worst, first, last):
    """Stage 1, the end of the week's needs: clip `raw` into [0, 1], zero where the
    household cannot have the need (`may_have`), and write it to `severity`; then the
    whole-family measures the later stages read: the risk score (sum of severities), the
    number of problems at or above the problem line, and the worst need. For households
    first to last (first on a block boundary)."""
    domains = raw.shape[0]
    for b in range(first // BLOCK, (last + BLOCK - 1) // BLOCK):
        lo, hi = b * BLOCK, min(last, (b + 1) * BLOCK)
        total, count, top = risk[lo:hi], n_problems[lo:hi], worst[lo:hi]
        total[:] = 0.0
        count[:] = 0
        top[:] = 0.0
        for d in range(domains):
            r, s, may = raw[d, lo:hi], severity[d, lo:hi], may_have[d, lo:hi]
            for k in range(total.size):
                value = min(max(r[k], np.float32(0.0)), np.float32(1.0))
                if not may[k]:
                    value = np.float32(0.0)
                s[k] = value
                total[k] += value
                count[k] += value >= problem_line
                top[k] = max(top[k], value)


@njit(**JIT)
def at_least(values, line, out):
    """The positions where `values` is at or above `line`, in order, into `out`;
    returns how many."""
    k = 0
    for i in range(values.size):
        out[k] = i
        k += values[i] >= line
    return k


@njit(**JIT)
def at_least_or_flagged(values, line, flagged, out):
    """The positions where `values` is at or above `line` or `flagged` is set, in order,
    into `out`; returns how many."""
    k = 0
    for i in range(values.size):
        out[k] = i
        k += (values[i] >= line) | flagged[i]
    return k


@njit(**JIT)
def agency_need(severity, domain_list, i):
    """Household i's need as one agency sees it: the worst of its domains
    (`domain_list`, padded with -1). Indices are made unsigned, so that numba checks
    none of them for being negative (see the module's docstring)."""
    need = np.float32(0.0)
    i = np.uint64(i)
    for d in domain_list:
        if d < 0:
            break
        need = max(need, severity[np.uint64(d), i])
    return need


@njit(**JIT)
def crisis_in(crisis_domains, domain_list, i):
    """Whether household i had a crisis in any of an agency's domains (`domain_list`,
    padded with -1)."""
    i = np.uint64(i)
    crisis = False
    for d in domain_list:
        if d < 0:
            break
        crisis |= crisis_domains[np.uint64(d), i]
    return crisis


@njit(**JIT)
def notice_candidates(listed, severity, status, clients, team, domain_lists, thresholds, crisis_domains,
                      crisis_referred, referral_odds, free_status, served, above, in_crisis, eligible, referral_chance,
                      n_above, first, last):
    """Stage 2, who each agency could notice: among the `listed` households (in index
    order; at least those whose worst need reaches the lowest threshold, and those in a
    crisis), those free of the agency (its status is `free_status`, no key worker's plan
    covers them (row `team` of `status`), and the agency serves them) whose need in the
    agency's domains is at or above its threshold, or, for an agency to which crises are
    referred (`crisis_referred`), who had a crisis in its domains.
    `domain_lists[a]` holds the agency's domains, padded with -1.

    For each, also whether it had a crisis in the agency's domains (`in_crisis`), whether
    its need reaches the threshold (`eligible`), and the chance that some agency now
    serving it refers it (`referral_chance`: one minus the product over serving agencies
    b, in order, of one minus `referral_odds[b, a]`). Each agency's households go to its
    row of `above`, in index order, and their count to `n_above`. For agencies first to last.

    Two passes per agency: the first keeps those whose need reaches the threshold (or
    who had a crisis the agency hears of), without a branch on the need (most fail,
    unpredictably, and a mispredicted branch costs more than the store); the second
    checks the few kept."""
    agencies = referral_odds.shape[0]
    for a in range(first, last):
        threshold, domain_list, refers = thresholds[a], domain_lists[a], crisis_referred[a]
        standing, serves = status[a], clients[a]
        households, crises, chances, over = above[a], in_crisis[a], referral_chance[a], eligible[a]
        reach = 0
        for x in range(listed.size):
            households[reach] = listed[x]
            keep = agency_need(severity, domain_list, listed[x]) >= threshold
            if refers:
                keep |= crisis_in(crisis_domains, domain_list, listed[x])
            reach += keep
        k = 0
        for x in range(reach):
            i = np.uint64(households[x])
            if standing[i] != free_status or not serves[i] or status[team, i] == served:
                continue
            missed = np.float32(1.0)
            for b in range(agencies):
                if status[np.uint64(b), i] == served:
                    missed *= np.float32(1.0) - referral_odds[b, a]
            households[k] = i
            crises[k] = crisis_in(crisis_domains, domain_list, i)
            over[k] = agency_need(severity, domain_list, i) >= threshold
            chances[k] = np.float32(1.0) - missed
            k += 1
        n_above[a] = k


@njit(**JIT)
def in_early_band(agency, household, severity, status, clients, team, domain_lists, thresholds, problem_line,
                  free_status, served, keep, first, last):
    """For (agency, household) pairs first to last: is the household free of the agency
    (as in `notice_candidates`) with a need in its domains at or above the problem line
    but below the agency's threshold, where early help may find it? Into `keep`."""
    for k in range(first, last):
        a, i = agency[k], household[k]
        need = agency_need(severity, domain_lists[a], i)  # first: most pairs fail here
        keep[k] = (problem_line <= need < thresholds[a] and status[a, i] == free_status and clients[a, i]
                   and status[team, i] != served)


@njit(**JIT)
def tally_households(severity, crisis_now, problem_line, complex_count, acute_line, tier, flows,
                     track, first_help_week, load_at_help, fallen_share, weeks_down, peak, first, last):
    """Stage 8, each household's tier this week: universal (no problem), vulnerable
    (one or more), complex (`complex_count` or more), crisis (a domain at the acute line,
    or a crisis this week). Counts the moves between tiers in `flows[block, from, to]`
    (summed by the caller). If `track`, also the outcomes kept per household: weeks
    running with needs below `fallen_share` of their level when help first came, and the peak. For
    households first to last (first on a block boundary)."""
    domains = severity.shape[0]
    total, worst, count = np.empty(BLOCK, np.float32), np.empty(BLOCK, np.float32), np.empty(BLOCK, np.int32)
    for b in range(first // BLOCK, (last + BLOCK - 1) // BLOCK):
        lo, hi = b * BLOCK, min(last, (b + 1) * BLOCK)
        m = hi - lo
        total[:m] = 0.0
        worst[:m] = 0.0
        count[:m] = 0
        for d in range(domains):
            s = severity[d, lo:hi]
            for k in range(m):
                total[k] += s[k]
                worst[k] = max(worst[k], s[k])
                count[k] += s[k] >= problem_line
        crisis, tiers, block_flows = crisis_now[lo:hi], tier[lo:hi], flows[b]
        for k in range(m):
            new = UNIVERSAL
            if count[k] >= 1:
                new = VULNERABLE
            if count[k] >= complex_count:
                new = COMPLEX
            if worst[k] >= acute_line or crisis[k]:
                new = CRISIS
            block_flows[tiers[k], new] += 1
            tiers[k] = new
        if track:
            helped, load, down, top = first_help_week[lo:hi], load_at_help[lo:hi], weeks_down[lo:hi], peak[lo:hi]
            for k in range(m):
                if helped[k] != NEVER and total[k] < fallen_share * load[k]:
                    down[k] += 1
                else:
                    down[k] = 0
                top[k] = max(top[k], worst[k])


@njit(**JIT)
def count_standing(status, counts, first, last):
    """How many households stand in each status with each service: `counts[a, s]`, for
    services first to last (a pass over the agency's row per status: each pass runs
    at memory speed, where one pass with a branch per household is slower)."""
    for a in range(first, last):
        row = status[a]
        for s in range(counts.shape[1]):
            c = 0
            for i in range(row.size):
                c += row[i] == s
            counts[a, s] = c


@njit(**JIT)
def help_cases(cases, bounds, dropout_draw, severity, domain_lists, domain_effect, status, weeks_open, engagement,
               case_effect, case_cost, held, course_weeks, max_weeks, lateness, problem_line, dropout,
               served, closed, paid_by_payer, paid_late, paid_early, was_late, dropped, closed_why, first, last):
    """Stage 5, a week of help: see `sim.help.help_cases`, the rule this implements, for
    the cases of households first to last (each service's cases are in index order, so
    they are found by bisection)."""
    for s in range(bounds.size - 1):
        begin, end = bounds[s], bounds[s + 1]
        lo = begin + np.searchsorted(cases[begin:end], first)
        hi = begin + np.searchsorted(cases[begin:end], last)
        row, weeks, paid, domain_list = status[s], weeks_open[s], paid_by_payer[s], domain_lists[s]
        for k in range(lo, hi):
            i = cases[k]
            late = row[i] == served
            strength = case_effect[k] * engagement[i]
            worst = np.float32(0.0)
            for d in domain_list:
                if d < 0:
                    break
                value = severity[d, i]
                value = np.float32(value - strength * domain_effect[s, d] * (1.0 - lateness * value) * value)
                severity[d, i] = value
                worst = max(worst, value)
            paid[i] += case_cost[k]
            if late:
                paid_late[i] += case_cost[k]
            else:
                paid_early[i] += case_cost[k]
            weeks[i] += 1
            drops = dropout_draw[k] < dropout * (1.0 - engagement[i])
            why = 0
            if worst < problem_line and weeks[i] >= course_weeks[s] and not held[k]:
                why = RECOVERED
            elif weeks[i] >= max_weeks[s] and not held[k]:
                why = LONGEST
            elif drops and not held[k]:
                why = DROPPED_OUT
            if why:
                row[i] = closed
            was_late[k], dropped[k], closed_why[k] = late, drops and not held[k], why


@njit(**JIT)
def on_books(status, free_status, listed, counts, first, last):
    """For agencies first to last: the households on the agency's books (status other
    than `free_status`) into `listed[0, a]`, and those with each status s into
    `listed[s, a]`, each in index order; how many into `counts[a, 0]` and `counts[a, s]`.
    The first pass writes every household and advances only past those on the books:
    no branch, where one on "is it on the books?" was mispredicted at every few percent
    of households; the second sorts the few by status."""
    for a in range(first, last):
        row, books, on_books_count = status[a], listed[0, a], 0
        for i in range(row.size):
            books[on_books_count] = i
            on_books_count += row[i] != free_status
        counts[a, :] = 0
        counts[a, 0] = on_books_count
        for k in range(on_books_count):
            i = books[k]
            s = row[i]
            listed[s, a, counts[a, s]] = i
            counts[a, s] += 1


@njit(**JIT)
def needs_of(severity, domain_list, households, has_children, families_only):
    """One agency's view of some households' need (see `agency_need`): zero in households
    without children if it serves families only."""
    need = np.empty(households.size, np.float32)
    for k in range(households.size):
        i = households[k]
        need[k] = agency_need(severity, domain_list, i) if has_children[i] or not families_only else 0.0
    return need


@njit(**JIT)
def first_help(households, week, severity, episodes, first_help_week, first_help_severity, load_at_help, never):
    """Help begins for `households`: count the episode, and for those helped for the first
    time note the week, their worst need and the sum of their needs."""
    for i in households:
        episodes[i] += 1
        if first_help_week[i] == never:
            first_help_week[i] = week
            worst = total = np.float32(0.0)
            for d in range(severity.shape[0]):
                worst = max(worst, severity[d, i])
                total += severity[d, i]
            first_help_severity[i] = worst
            load_at_help[i] = total


@njit(**JIT)
def bill_universal(adults, children, payers, per, week_cost, paid_by_payer, paid_universal, first, last):
    """A week of universal services: see `sim.universal.bill_universal`, the rule this
    implements, for households first to last (a loop per kind of user, so each runs
    straight along the rows)."""
    for k in range(payers.size):
        row, code, cost = paid_by_payer[payers[k]], per[k], week_cost[k]
        if code == PER_HOUSEHOLD:
            for i in range(first, last):
                row[i] += cost
                paid_universal[i] += cost
        elif code == PER_ADULT:
            for i in range(first, last):
                amount = np.float64(adults[i]) * cost
                row[i] += amount
                paid_universal[i] += amount
        elif code == PER_CHILD:
            for i in range(first, last):
                amount = np.float64(children[i]) * cost
                row[i] += amount
                paid_universal[i] += amount
        else:
            for i in range(first, last):
                amount = (np.float64(adults[i]) + np.float64(children[i])) * cost
                row[i] += amount
                paid_universal[i] += amount
