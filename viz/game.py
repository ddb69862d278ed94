"""The agency game's page (`/game`, issue 20): the facilitator opens a game and reads its
code out; each table joins from its own browser with the code and takes an agency. Each
round is a year: a table sees only its own agency, and decides its eligibility
threshold, its share of budget for prevention and what it puts into the key workers'
pool. When every table has decided, or the facilitator runs the year, the model runs
it (`experiments.game`); after the last round the debrief shows the room's place beside
the same years siloed and integrated, and who saved from whose contribution.

The games are the server's (one `GameStore` for every session: that is how tables meet);
each screen looks at its game again every POLL_SECONDS. Who sits where is in the page's
address (`?code=...&agency=...&table=...`), so a table that reloads is back in its seat."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

import solara

from locality.experiments.game import (MAX_ROUNDS, MAX_TABLES, MIN_ROUNDS, MIN_TABLES, OTHER_SEEDS, PLACE, ROUNDS, Debrief,
                                       Game, GameError, GameStore, agencies_of, debrief, default_directory, over_seeds)
from locality.experiments.paired import PairedComparison, verdict
from locality.parameters.loader import builtin_scenarios, load_scenario
from locality.parameters.vocabulary import POOL

from .stories import and_list, money, signed_money

POLL_SECONDS = 1.0  # how often a screen looks at its game again
GAME_HOUSEHOLDS = 10_000  # as the app's places: a sample, so that a round runs in a few seconds on a 2-core machine
store = GameStore(default_directory())  # the server's games, shared by every browser session
debriefs: dict[str, Debrief | str] = {}  # code -> its debrief, or why it failed
spreads: dict[str, PairedComparison | str] = {}  # code -> the room's decisions on other households, or why it failed
DEBRIEF_SEEDS = OTHER_SEEDS
debriefs_lock = threading.Lock()
# What a table may decide, as the sliders offer it: within the schema's bounds (checked again there).
THRESHOLD_RANGE = (0.1, 0.9)
PREVENTION_RANGE = (0.0, 0.5)
POOL_RANGE = (0.0, 0.2)

STYLE = """
.game { font-size: 18px; max-width: 1200px; }
.game h1 { font-size: 34px; margin: 4px 0 8px; } .game h2 { font-size: 26px; margin: 14px 0 6px; }
.game .code { font-size: 64px; letter-spacing: 10px; font-weight: 700; }
.game table { border-collapse: collapse; margin-left: 0 !important; } .game td, .game th { padding: 4px 12px; text-align: right; }
.game td:first-child, .game th:first-child { text-align: left; }
"""


@dataclass(frozen=True)
class Seat:
    """Who this browser is in which game: the facilitator, or a table running an agency."""

    code: str = ""
    role: str = ""  # "facilitator" or "table"
    agency: str = ""
    table: str = ""


def seat_from(search: str | None) -> Seat:
    query = {key: values[0] for key, values in parse_qs(search or "").items()}
    seat = Seat(code=query.get("code", "").upper(), role=query.get("role", ""), agency=query.get("agency", ""),
                table=query.get("table", ""))
    return seat if seat.role in ("facilitator", "table") else Seat()


def address(seat: Seat) -> str:
    chosen = {"code": seat.code, "role": seat.role, "agency": seat.agency, "table": seat.table}
    return "/game?" + urlencode({key: value for key, value in chosen.items() if value})


def need_words(threshold: float) -> str:
    """A threshold as a room says it: how bad a need must be before the agency steps in,
    and where on a scale of 100 (the bands are coarse; the number tells 0.6 from 0.9)."""
    return f"{need_band(threshold)} ({threshold * 100:.0f} of 100)"


def need_band(threshold: float) -> str:
    if threshold < 0.3:
        return "any sign of need"
    if threshold < 0.45:
        return "a moderate need"
    if threshold < 0.6:
        return "a serious need"
    return "only the most serious need"


@functools.lru_cache(maxsize=16)
def place_name(place: str) -> str:
    return load_scenario(place).place.name


@functools.lru_cache(maxsize=16)
def place_size(place: str) -> int:
    return load_scenario(place).population.households


@functools.lru_cache(maxsize=64)
def agency_spec(place: str, agency: str):
    return load_scenario(place).agencies[agency]


def share(value: float) -> str:
    return f"{value:.0%}"


# --- running rounds and debriefs off the screens' threads ----------------------------------
def run_round(code: str, expected: int, only_if_everyone_decided: bool = False) -> None:
    """Run round `expected` in the background (not if it has run since the screen showed
    it; with `only_if_everyone_decided`, only once every table has): every screen sees it
    start and end, or why it failed."""
    def close() -> None:
        try:
            game = (store.close_if_everyone_decided(code, expected) if only_if_everyone_decided
                    else store.close_round(code, expected))
        except Exception:  # (GameError: another screen ran it first; any other: kept as the store's failure)
            return
        if game is not None and game.over:
            prepare_debrief(code)

    threading.Thread(target=close, name=f"game {code} round", daemon=True).start()


def prepare_debrief(code: str) -> None:
    """The debrief's runs, once per game, in the background: siloed and integrated beside
    the room's on the game's households, then the room's decisions against siloed on
    DEBRIEF_SEEDS other sets of households (for what one play cannot say: chance)."""
    with debriefs_lock:
        if code in debriefs:
            return
        debriefs[code] = "running"

    def work() -> None:
        try:
            game = store.get(code)
            found: Debrief | str = debrief(game)
        except Exception as error:  # shown on the screens, not lost in a thread
            found = f"the debrief failed: {error}"
        with debriefs_lock:
            debriefs[code] = found
        if isinstance(found, str):
            spreads[code] = "no runs on other households without the debrief"
            return
        try:
            spread: PairedComparison | str = over_seeds(game, reps=DEBRIEF_SEEDS)
        except Exception as error:
            spread = f"the runs on other households failed: {error}"
        with debriefs_lock:
            spreads[code] = spread
    threading.Thread(target=work, name=f"game {code} debrief", daemon=True).start()


def use_game(code: str) -> tuple[Game | None, str]:
    """The game, looked at again every POLL_SECONDS (its version, whether a round is
    running, whether the debrief is ready), or None and why."""
    _, set_seen = solara.use_state(None)

    def poll(cancel: threading.Event) -> None:
        while not cancel.wait(POLL_SECONDS):
            try:
                game = store.get(code)
            except GameError:
                continue
            set_seen((game.version, store.is_running(code), store.failure(code), status(debriefs.get(code)),
                      status(spreads.get(code))))
    solara.use_thread(poll, dependencies=[code])
    try:
        return store.snapshot(code), ""
    except GameError as error:
        return None, str(error)


def status(found) -> str:
    """Where a background piece of work is: "" (not begun), "running", "ready", or its failure."""
    if found is None or found == "running":
        return found or ""
    return found if isinstance(found, str) else "ready"


# --- the page --------------------------------------------------------------------------------
@solara.component
def GamePage():
    router = solara.use_router()
    seat, set_seat = solara.use_state(seat_from(router.search))

    def sit(new: Seat) -> None:
        set_seat(new)
        if router.set_path is not None:  # (a page rendered outside the app has no address to keep)
            router.push(address(new))

    solara.Title("Locality: the agency game")
    solara.Style(STYLE)
    with solara.Column(classes=["game"]):
        if not seat.code:
            Lobby(sit)
        elif seat.role == "facilitator":
            Facilitator(seat.code, sit)
        else:
            TableScreen(seat, sit)


@solara.component
def Lobby(sit):
    place, set_place = solara.use_state("thanet")
    rounds, set_rounds = solara.use_state(ROUNDS)
    seed, set_seed = solara.use_state(42)
    code, set_code = solara.use_state("")
    table, set_table = solara.use_state("")
    agency, set_agency = solara.use_state("")
    problem, set_problem = solara.use_state("")

    def open_game() -> None:
        try:
            size = min(GAME_HOUSEHOLDS, load_scenario(place).population.households)
            game = store.open(place, seed=int(seed), rounds=int(rounds), households=size)
        except GameError as error:
            set_problem(str(error))
            return
        sit(Seat(code=game.code, role="facilitator"))

    def join() -> None:
        try:
            store.join(code, agency, table)
        except GameError as error:
            set_problem(str(error))
            return
        sit(Seat(code=code.strip().upper(), role="table", agency=agency, table=table.strip()))

    solara.Markdown("# The agency game")
    solara.Markdown("Each table runs one agency of a place for a few years. Every year you decide how serious a need "
                    "must be before you step in, how much of your budget goes on prevention, and how much you put "
                    "into a key-worker team shared by every agency. Then the year runs on the same households for everyone.")
    with solara.Row():
        with solara.Card("Run a game (facilitator)"):
            names = {place_name(key): key for key in builtin_scenarios()}
            solara.Select("Place", values=list(names), value=place_name(place), on_value=lambda name: set_place(names[name]))
            solara.InputInt(f"Rounds (years, {MIN_ROUNDS} to {MAX_ROUNDS})", value=rounds, on_value=set_rounds)
            solara.InputInt("Seed (the same seed, the same households)", value=seed, on_value=set_seed)
            solara.Button("Open a game", on_click=open_game, color="primary")
        with solara.Card("Join a game (a table)"):
            solara.InputText("Game code", value=code, on_value=set_code, continuous_update=True)
            solara.InputText("Your table's name", value=table, on_value=set_table, continuous_update=True)
            offered = agencies_offered(code)
            if offered:
                by_label = {label: name for name, label in offered.items()}
                solara.Select("Your agency", values=list(by_label), value=offered.get(agency),
                              on_value=lambda label: set_agency(by_label[label]))
                solara.Text("Lost your page? Join again with the same table name and agency to take your seat.")
                if agency in offered and not bills_crises(code, agency):
                    solara.Warning("This agency pays no crisis bills in the model: its decisions show in its own "
                                   "budget and in other agencies' crises, never in crises of its own.")
            solara.Button("Join", on_click=join, color="primary", disabled=not (code and table and agency))
    if problem:
        solara.Error(problem)


def agencies_offered(code: str) -> dict[str, str]:
    """The agencies of a game's place, as a table picks one: name -> label, with the table
    that runs it where one does (none for an unknown code)."""
    if len(code.strip()) < 4:
        return {}
    try:
        game = store.snapshot(code)
    except GameError:
        return {}
    return {name: label + (f" (run by {game.tables[name]})" if name in game.tables else "")
            for name, label in agencies_of(game.place).items()}


def bills_crises(code: str, agency: str) -> bool:
    """Whether any kind of crisis bills this agency in the game's place."""
    return agency in crisis_payers(store.get(code).place)


@functools.lru_cache(maxsize=16)
def crisis_payers(place: str) -> frozenset[str]:
    return frozenset(payer for crisis in load_scenario(place).crises.values() for payer in crisis.bills)


@solara.component
def Heading(game: Game, who: str):
    label, size = place_name(game.place), place_size(game.place)
    if game.households is not None and game.households < size:
        label += f" ({game.households:,} of its {size:,} households, a sample; money and crises are the sample's)"
    when = "the game is over" if game.over else f"round {game.round} of {game.rounds} (year {game.round})"
    solara.Markdown(f"# {who}\n{label} · game **{game.code}** · {when}")


@solara.component
def TableScreen(seat: Seat, sit):
    game, problem = use_game(seat.code)
    if game is None:
        solara.Error(problem)
        solara.Button("Back to the lobby", on_click=lambda: sit(Seat()))
        return
    labels = agencies_of(game.place)
    if game.tables.get(seat.agency) != seat.table:  # (a seat in an address the game does not know)
        solara.Error(f"{seat.table or 'This table'} does not run {labels.get(seat.agency, seat.agency)} in game {game.code}.")
        solara.Button("Back to the lobby", on_click=lambda: sit(Seat()))
        return
    Heading(game, f"{seat.table}: {labels[seat.agency]}")
    if game.over:
        OwnYears(game, seat.agency)
        prepare_debrief(game.code)
        OwnDebrief(found_debrief(game.code), seat.agency, labels[seat.agency])
        return
    if store.failure(game.code):
        solara.Error(store.failure(game.code) + " Tell your facilitator.")
    if store.is_running(game.code):
        solara.Info(f"Year {game.round} is running for the whole place…")
    else:
        DecisionForm(game, seat.agency)
    OwnYears(game, seat.agency)


@solara.component
def DecisionForm(game: Game, agency: str):
    spec = agency_spec(game.place, agency)
    last = dict(game.decided[-1].get(agency, {})) if game.decided else {}
    for earlier in reversed(game.decided):  # a decision holds until replaced
        for key, value in earlier.get(agency, {}).items():
            last.setdefault(key, value)
    # what holds if the table decides nothing new: its decisions so far, else the agency's own
    holding = {"threshold": last.get("threshold", spec.threshold),
               "prevention_share": last.get("prevention_share", spec.prevention_share),
               "pooled_share": last.get("pooled_share", 0.0)}
    pending = game.pending.get(agency)
    start = {**holding, **(pending or {})}
    threshold, set_threshold = solara.use_state(start["threshold"])
    prevention, set_prevention = solara.use_state(start["prevention_share"])
    pooled, set_pooled = solara.use_state(start["pooled_share"])
    problem, set_problem = solara.use_state("")

    def decide() -> None:
        chosen = {"threshold": threshold, "prevention_share": prevention, "pooled_share": pooled}
        # only what the table changed: a figure left where it holds is no decision (a threshold that rationing
        # has raised stays raised, rather than being set back to where it was decided)
        changed = {key: value if abs(value - holding[key]) > 1e-9 else None for key, value in chosen.items()}
        try:
            store.decide(game.code, agency, expected=game.round, **changed)
        except GameError as error:
            set_problem(str(error))
            return
        set_problem("")
        run_round(game.code, game.round, only_if_everyone_decided=True)

    solara.Markdown(f"## Your decisions for year {game.round}")
    solara.Markdown("How bad a family's need must be before your agency takes it on; what share of your budget goes "
                    "on prevention (early help before needs get serious); and what you put into a key-worker team "
                    "that works with whole families for every agency.")
    solara.SliderFloat(f"Step in at: {need_words(threshold)}", value=threshold, on_value=set_threshold,
                       min=THRESHOLD_RANGE[0], max=THRESHOLD_RANGE[1], step=0.05)
    if game.results:
        solara.Text(f"Last year you stepped in at {need_words(game.results[-1][agency]['threshold'])} on average: while "
                    "your waiting list is long, your managers raise the bar, and bring it back once the list is short.")
    solara.SliderFloat(f"Budget on prevention: {share(prevention)}", value=prevention, on_value=set_prevention,
                       min=PREVENTION_RANGE[0], max=PREVENTION_RANGE[1], step=0.01)
    solara.SliderFloat(f"Into the shared key-worker pool: {share(pooled)}", value=pooled, on_value=set_pooled,
                       min=POOL_RANGE[0], max=POOL_RANGE[1], step=0.01)
    solara.Button("Decide", on_click=decide, color="primary")
    if problem:
        solara.Error(problem)
    if pending is not None:
        waiting = [agencies_of(game.place)[name] for name in game.tables if name not in game.pending]
        solara.Success("Decided: you can change it until the year runs. "
                       + (f"Waiting for {and_list(waiting)}." if waiting else "Every table has decided."))


@solara.component
def OwnYears(game: Game, agency: str):
    """The table's own agency, year by year: only what that agency itself would see."""
    if not game.results:
        solara.Markdown("Your figures appear here once the first year has run.")
        return
    rows = ["| Year | Budget | Spent | Prevention | Crisis bills | Into the pool | Open cases | Waiting | Crises whose bills you share | Stepped in at |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for year, by_agency in enumerate(game.results, start=1):
        mine = by_agency[agency]
        rows.append(f"| {year} | {money(mine['budget'])} | {money(mine['spend'])} ({outturn(mine['over_spend'])}) | {money(mine['spend_prevention'])} "
                    f"| {money(mine['spend_crisis'])} | {money(mine['put_in_pool'])} | {mine['caseload']:,.0f} "
                    f"| {mine['waiting']:,.0f} | {mine['crises']:,.0f} | {need_words(mine['threshold'])} |")
    solara.Markdown("## Your agency so far\n" + "\n".join(rows))


@solara.component
def Facilitator(code: str, sit):
    game, problem = use_game(code)
    if game is None:
        solara.Error(problem)
        solara.Button("Back to the lobby", on_click=lambda: sit(Seat()))
        return
    labels = agencies_of(game.place)
    Heading(game, "Facilitator")
    solara.Markdown("Tables open this page's address (`/game`) and join with the code")
    solara.HTML(tag="div", unsafe_innerHTML=game.code, classes=["code"])
    joined = [f"{labels[agency]}: {table}{' (decided)' if agency in game.pending else ''}"
              for agency, table in game.tables.items()]
    solara.Markdown(f"**Tables ({len(game.tables)} of {MIN_TABLES} to {MAX_TABLES}):** "
                    + ("; ".join(joined) if joined else "none yet"))
    running = store.is_running(code)
    if store.failure(code):
        solara.Error(store.failure(code))
    if not game.over:
        if running:
            solara.Info(f"Year {game.round} is running for the whole place…")
        else:
            solara.Button(f"Run year {game.round} now (tables that have not decided keep last year's decisions)",
                          on_click=lambda: run_round(code, game.round), color="primary", disabled=len(game.tables) < MIN_TABLES)
    if game.over:  # the debrief first: it is what the room looks at now
        prepare_debrief(code)
        DebriefView(found_debrief(code), found_spread(code), labels)
    PlaceYears(game, labels)


@solara.component
def PlaceYears(game: Game, labels: dict[str, str]):
    """The whole place, year by year, and every table's agency in the latest year."""
    if not game.results:
        return
    rows = ["| Year | Crises | Spend | Over or under | Families with a key worker |", "|---|---|---|---|---|"]
    for year, by_agency in enumerate(game.results, start=1):
        whole = by_agency[PLACE]
        rows.append(f"| {year} | {whole['crises']:,.0f} | {money(whole['spend'])} "
                    f"| {outturn(whole['over_spend'])} | {whole['keyworker_families']:,.0f} |")
    latest = game.results[-1]
    agencies = ["| Agency (year " + str(len(game.results)) + ") | Table | Crises whose bills it shares | Crisis bills | Prevention | Into the pool | Over or under |",
                "|---|---|---|---|---|---|---|"]
    for agency, table in game.tables.items():
        mine = latest[agency]
        agencies.append(f"| {labels[agency]} | {table} | {mine['crises']:,.0f} | {money(mine['spend_crisis'])} "
                        f"| {money(mine['spend_prevention'])} | {money(mine['put_in_pool'])} "
                        f"| {outturn(mine['over_spend'])} |")
    solara.Markdown("## The place so far\n" + "\n".join(rows) + "\n\n" + "\n".join(agencies))


def found_spread(code: str) -> PairedComparison | str | None:
    with debriefs_lock:
        return spreads.get(code)


def found_debrief(code: str) -> Debrief | str | None:
    """The game's debrief once its runs are done, why they failed, or None meanwhile."""
    with debriefs_lock:
        found = debriefs.get(code)
    return None if found == "running" else found


def shown_ready(found: Debrief | str | None, meanwhile: str) -> Debrief | None:
    """The debrief if it is ready; else says why not (failed, or `meanwhile`) and gives None."""
    if isinstance(found, str):
        solara.Error(found)
    elif found is None:
        solara.Info(meanwhile)
    return found if isinstance(found, Debrief) else None


@solara.component
def DebriefView(found: Debrief | str | None, spread: PairedComparison | str | None, labels: dict[str, str]):
    found = shown_ready(found, "Preparing the debrief: running the same years siloed and integrated on the same households…")
    if found is None:
        return
    totals = found.totals()
    rows = ["| Over the game's years | Crises | Spend | Over or under |", "|---|---|---|---|"]
    for name, row in totals.iterrows():
        rows.append(f"| {WAYS.get(name, name)} | {row['crises']:,.0f} | {money(row['spend'])} | {outturn(row['over_spend'])} |")
    solara.Markdown("## Debrief\n" + "\n".join(rows))
    for line in debrief_words(found, labels):
        solara.Markdown(line)
    if spread is None:
        solara.Info(f"Running the room's decisions on {DEBRIEF_SEEDS} other sets of households, to tell what they did from chance…")
    elif isinstance(spread, str):
        solara.Error(spread)
    else:
        solara.Markdown(f"**Was it chance?** The room's decisions against siloed on {len(spread.seeds)} other sets of "
                        "households (each time both on the same households):\n\n"
                        + "\n".join(f"- {line}" for line in verdict(spread, names=("siloed", "the room"))[1:]))
    table = ["| Against siloed | Into the pool | Crisis bills | Prevention | Net |", "|---|---|---|---|---|"]
    for _, row in found.who_pays().iterrows():
        if row["agency"] == POOL:  # what the pool received, and whether it spent all of it
            table.append(f"| The key-worker pool | received {money(-row['put_in_pool'])} | | "
                         f"| {signed_money(row['net_change'], 'spent {} more than it received', 'left {} unspent')} |")
            continue
        table.append(f"| {labels.get(row['agency'], row['agency'])} | {money(row['put_in_pool'])} "
                     f"| {change_words(row['crisis_change'])} | {change_words(row['prevention_change'])} "
                     f"| {signed_money(row['net_change'], 'pays {}', 'saves {}') if abs(row['net_change']) >= 0.5 else 'no change'} |")
    solara.Markdown("## Who paid, and who saved\n" + "\n".join(table))


WAYS = {"siloed": "siloed (each agency on its own, as the place runs now)",
        "integrated": "integrated (one assessment, a shared risk score, key workers on 5% of every budget, waiting "
                      "lists instead of rising thresholds)"}


def outturn(over: float) -> str:
    """An over- or under-spend in words ("on budget" within a pound)."""
    return "on budget" if abs(over) < 1 else signed_money(over, "over by {}", "under by {}")


def change_words(change: float) -> str:
    """A change against siloed in words: "£12k more", "£3k less", "the same"."""
    return "the same" if abs(change) < 1 else signed_money(change, "{} more", "{} less")


def than(count: float, other: float) -> str:
    """How one count of crises stands to another: "35 fewer than", "the same as"."""
    gap = count - other
    return "the same as" if round(gap) == 0 else f"{abs(gap):,.0f} {'fewer' if gap < 0 else 'more'} than"


def debrief_words(found: Debrief, labels: dict[str, str]) -> list[str]:
    """The debrief in the room's own numbers: its crises against siloed and integrated;
    who put money into the pool, and whose crisis bills rose or fell (facts, not causes:
    a change in one agency's bills is everything the room did at once, and chance); whose
    prevention shrank against siloed (the vicious cycle squeezes it first)."""
    totals = found.totals()
    room, siloed, joined = (totals.loc[name] for name in ("the room", "siloed", "integrated"))
    lines = [f"The room's place had {room['crises']:,.0f} crises: {than(room['crises'], siloed['crises'])} siloed "
             f"({siloed['crises']:,.0f}) and {than(room['crises'], joined['crises'])} integrated ({joined['crises']:,.0f}), "
             "on the same households."]
    pays = found.who_pays()
    pays = pays[pays["agency"] != POOL]

    def named(rows, column: str) -> str:
        return and_list([f"{labels.get(a, a)} ({money(abs(v))})" for a, v in zip(rows["agency"], rows[column])])

    givers = pays[pays["put_in_pool"] > 0].sort_values("put_in_pool", ascending=False)
    fell = pays[pays["crisis_change"] <= -1].sort_values("crisis_change")
    rose = pays[pays["crisis_change"] >= 1].sort_values("crisis_change", ascending=False)
    if len(givers):
        lines.append(f"Into the key-worker pool: {named(givers, 'put_in_pool')}.")
    else:
        lines.append("No table put money into the key-worker pool, so no family had a key worker.")
    if len(fell) or len(rose):
        said = []
        if len(fell):
            said.append(f"fell for {named(fell, 'crisis_change')}")
        if len(rose):
            said.append(f"rose for {named(rose, 'crisis_change')}")
        outside = [labels.get(a, a) for a in fell["agency"] if a not in set(givers["agency"])]
        lines.append("Against siloed, crisis bills " + " and ".join(said) + "."
                     + (f" Of those whose bills fell, {and_list(outside)} put nothing into the pool." if len(givers) and outside else "")
                     + " These are everything the room did at once, on one set of households: 'Was it chance?' "
                     "below says what holds on others.")
    squeezed = pays[pays["prevention_change"] <= -1].sort_values("prevention_change")
    if len(squeezed):
        lines.append(f"Prevention spend was lower than siloed for {named(squeezed, 'prevention_change')}: money for early "
                     "help is the first to go when crisis bills or a debt must be met, and less early help means more "
                     "crises later (the vicious cycle).")
    return lines


@solara.component
def OwnDebrief(found: Debrief | str | None, agency: str, label: str):
    found = shown_ready(found, "The game is over: the debrief is being prepared…")
    if found is None:
        return
    row = found.who_pays().set_index("agency").loc[agency]
    net = "spent the same" if abs(row["net_change"]) < 1 else signed_money(row["net_change"], "paid {} more", "saved {}")
    solara.Markdown(f"## Your agency against siloed\n{label} put {money(row['put_in_pool'])} into the pool; its crisis bills "
                    f"were {change_words(row['crisis_change'])} and its prevention {change_words(row['prevention_change'])} "
                    f"than siloed on the same households; in all it {net}. The facilitator's screen shows the whole room, "
                    "and whether it was chance.")

