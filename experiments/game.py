"""The agency game (issue 20): a facilitator opens a game on one place and seed and gets
a short code; each table joins with the code and runs one agency. A round is a year:
every table decides its eligibility threshold, its share of budget for prevention and
what it puts into a shared key-worker pool; when every table has decided (or the
facilitator closes the round) the model runs. It runs every year so far from the start,
with every decision made (`scenario.decisions`) on the game's seed, so a game is its
record: the same decisions on the same seed give the same results, and a record
replays. After the last round the debrief runs the same years siloed and integrated
on the same households, and shows who saved from whose contribution.

Games live in a `GameStore`: in memory for the server's sessions, each also written to
a JSON file so that a table's reload, or a server restart, loses nothing."""

from __future__ import annotations

import copy
import functools
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from locality.parameters.errors import ScenarioError
from locality.parameters.loader import load_scenario
from locality.parameters.schema import Decision, Scenario
from locality.parameters.vocabulary import POOL

from .paired import PairedComparison, compare_paired
from .results import Results
from .runner import Comparison, run

MIN_TABLES, MAX_TABLES = 2, 12  # the room: 2 to 12 tables
MIN_ROUNDS, MAX_ROUNDS = 1, 10  # a round is a year of the run
ROUNDS = 3  # a workshop's afternoon: three years
OTHER_SEEDS = 10  # the debrief's other sets of households: the fewest that state an effect with its interval
CODE_LETTERS = "ACDEFHJKMNPQRTWXY3479"  # no letters or digits a room mistakes for one another (O/0, I/1, B/8, S/5, G/6, U/V)
CODE_LENGTH = 4
# The game's regime: the status quo (siloed), with a key-worker team that runs on what
# tables put into its pool and finds families by agency referral and after crises (the
# shared risk score needs integrated data). Nobody pooling gives the siloed run exactly.
GAME_REGIME = {"regime.kind": "siloed", "regime.key_workers": True, "regime.pooled_share": 0.0,
               "keyworkers.routes": ["agency_referral", "crisis"]}
FIGURES = {  # what a table sees of its agency each year, and in what unit (`figures` gives exactly these)
    "budget": "£", "spend": "£", "over_spend": "£", "spend_prevention": "£", "spend_crisis": "£",
    "put_in_pool": "£", "caseload": "families", "waiting": "families", "threshold": "0 to 1",
    "crises": "crises a year of the kinds whose bills the agency shares (each counted whole, however small its share)",
}
PLACE = "the_place"  # the whole place's row among each year's figures (no agency has this name)


class GameError(ValueError):
    """A request the game cannot take (an unknown code, an agency already taken, a bad
    figure), said so that the person who made it can put it right."""


@dataclass
class Game:
    """One game as it is recorded: where and on what seed, who plays which agency, what
    each round decided and what it gave. `decided[r]` holds round r+1's decisions by
    agency; `results[r]` the figures each agency saw after it."""

    code: str
    place: str
    seed: int
    rounds: int = ROUNDS
    households: int | None = None  # None: the place's own
    tables: dict[str, str] = field(default_factory=dict)  # agency -> the table's name
    decided: list[dict[str, dict[str, float]]] = field(default_factory=list)
    pending: dict[str, dict[str, float]] = field(default_factory=dict)  # this round's, by agency
    results: list[dict[str, dict[str, float]]] = field(default_factory=list)
    opened: str = ""
    version: int = 0  # rises with every change, so a screen knows when to look again

    @property
    def round(self) -> int:
        """The round being played (1-based); rounds + 1 once the game is over."""
        return len(self.decided) + 1

    @property
    def over(self) -> bool:
        return len(self.decided) >= self.rounds

    def overrides(self, years: int | None = None) -> dict[str, Any]:
        """The run of the game's first `years` rounds (default: those played)."""
        years = len(self.decided) if years is None else years
        decisions: dict[str, dict[int, dict[str, float]]] = {}
        for year, by_agency in enumerate(self.decided[:years], start=1):
            for agency, decision in by_agency.items():
                if decision:
                    decisions.setdefault(agency, {})[year] = dict(decision)
        chosen = {"run.seed": self.seed, "run.years": years, **GAME_REGIME, "decisions": decisions}
        if self.households is not None:
            chosen["population.households"] = self.households
        return chosen

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Game:
        data = json.loads(text)
        return cls(**data)


def agencies_of(place: str) -> dict[str, str]:
    """The agencies a table can take in a place: name -> label."""
    return dict(_agencies_of(place))


@functools.lru_cache(maxsize=16)
def _agencies_of(place: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, agency.label) for name, agency in load_scenario(place).agencies.items())


def checked_decision(threshold: float | None = None, prevention_share: float | None = None,
                     pooled_share: float | None = None) -> dict[str, float]:
    """A table's decision, checked against the scenario schema's bounds (a GameError names
    the figure and what is allowed); figures left out are not in it."""
    given = {"threshold": threshold, "prevention_share": prevention_share, "pooled_share": pooled_share}
    try:
        decision = Decision(**given)
    except ValidationError as error:
        problem = error.errors()[0]
        where = problem["loc"][0] if problem["loc"] else "decision"
        raise GameError(f"{where}: {problem['msg']} (you gave {given.get(where)!r})") from None
    return {key: float(value) for key, value in decision.model_dump().items() if value is not None}


def play(game: Game, years: int | None = None) -> Results:
    """Run the game's first `years` rounds (default: all played) with its decisions."""
    return run(game.place, game.overrides(years))


def figures(results: Results, spec: Scenario) -> dict[str, dict[str, dict[str, float]]]:
    """What each agency saw, by year then agency (the FIGURES): money from the ledger,
    caseload, waiting and threshold as weekly means, crises of the kinds it pays for;
    and the pool's and the whole place's (PLACE) rows, for the facilitator."""
    ledger = results.ledger.set_index(["year", "agency"])
    weekly = results.agencies.groupby(["year", "agency"])[["caseload", "waiting", "threshold"]].mean()
    yearly_crises = results.steps.groupby("year")[[f"crises_{kind}" for kind in spec.crises]].sum()
    shown: dict[str, dict[str, dict[str, float]]] = {}
    for year in sorted(results.ledger["year"].unique()):
        by_agency = {}
        for agency in spec.agencies:
            money = ledger.loc[(year, agency)]
            kinds = [f"crises_{kind}" for kind, crisis in spec.crises.items() if agency in crisis.bills]
            by_agency[agency] = {
                "budget": float(money["budget"]), "spend": float(money["spend"]),
                "over_spend": float(money["over_spend"]), "spend_prevention": float(money["spend_prevention"]),
                "spend_crisis": float(money["spend_crisis"]),
                "put_in_pool": float(money["contribution_to_pool"] + money["reinvested_in_pool"]),
                "caseload": float(weekly.loc[(year, agency), "caseload"]),
                "waiting": float(weekly.loc[(year, agency), "waiting"]),
                "threshold": float(weekly.loc[(year, agency), "threshold"]),
                "crises": float(yearly_crises.loc[year, kinds].sum()),
            }
        pool = ledger.loc[(year, POOL)]
        by_agency[POOL] = {"budget": float(pool["budget"]), "spend": float(pool["spend"]),
                           "caseload": float(weekly.loc[(year, POOL), "caseload"])}
        whole = results.yearly().loc[year]
        by_agency[PLACE] = {"crises": float(whole["crises"]), "spend": float(whole["spend"]),
                            "over_spend": float(whole["over_spend"]), "budget": float(whole["budget"]),
                            "keyworker_families": float(whole["keyworker_families"]), "waiting": float(whole["waiting"])}
        shown[str(year)] = by_agency
    return shown


@dataclass(eq=False)  # (one debrief is another only if it is the same: it holds frames)
class Debrief:
    """The room's place against the same years run siloed and run integrated on the same
    households and seed: totals for each, and who paid and who saved against siloed."""

    room: Results
    siloed: Results
    integrated: Results

    def totals(self) -> pd.DataFrame:
        """Crises, spend and over-spend over the game's years, one row per way of working."""
        rows = {}
        for name, results in (("the room", self.room), ("siloed", self.siloed), ("integrated", self.integrated)):
            outcomes = results.outcomes()
            rows[name] = {"crises": outcomes["crises"], "spend": outcomes["spend"], "over_spend": outcomes["over_spend"],
                          "crisis_spend": outcomes["crisis_spend"]}
        return pd.DataFrame(rows).T

    def who_pays(self) -> pd.DataFrame:
        """Per agency, the room against siloed: what it put into the pool, the change in its
        crisis bills and in its prevention spend (the vicious cycle squeezes prevention),
        its net change. A change in crisis bills is everything the room did at once, and
        chance: one play cannot say whose contribution caused it."""
        table = Comparison(self.siloed, self.room, "siloed", "the room").wrong_pocket()
        prevention = (self.room.ledger.groupby("agency", sort=False)["spend_prevention"].sum()
                      - self.siloed.ledger.groupby("agency", sort=False)["spend_prevention"].sum())
        return table.assign(prevention_change=table["agency"].map(prevention).to_numpy())


def debrief(game: Game) -> Debrief:
    """Run the game's years siloed and integrated (the place's own pooled share) beside
    the room's, on the same seed and households."""
    same = {"run.seed": game.seed, "run.years": len(game.decided)}
    if game.households is not None:
        same["population.households"] = game.households
    return Debrief(room=play(game), siloed=run(game.place, {**same, "regime.kind": "siloed"}),
                   integrated=run(game.place, {**same, "regime.kind": "integrated"}))


def over_seeds(game: Game, reps: int = OTHER_SEEDS, workers: int | None = None) -> PairedComparison:
    """The room's decisions against siloed on `reps` other sets of households (seeds spawned
    from the game's), A and B on the same households each time: whether what the room
    did changed crises and money beyond chance, which one play on one seed cannot say."""
    room = {key: value for key, value in game.overrides().items() if key not in ("run.seed", "run.years")}
    common: dict[str, Any] = {"run.years": len(game.decided)}
    if game.households is not None:
        common["population.households"] = game.households
    return compare_paired(game.place, a={"regime.kind": "siloed"}, b=room, common=common, reps=reps,
                          master_seed=game.seed, workers=workers)


def replay(record: Game) -> list[dict[str, dict[str, dict[str, float]]]]:
    """Each round's figures again, from the record's decisions alone (each round run
    as it was, over the years played by then)."""
    return [figures(play(record, years), load_scenario(record.place, record.overrides(years)))[str(years)]
            for years in range(1, len(record.decided) + 1)]


class GameStore:
    """The games of one server: opened, joined and played from many browser sessions at
    once (one lock), each written to `<directory>/<code>.json` as it changes."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.lock = threading.RLock()
        self.games: dict[str, Game] = {}
        self.running: set[str] = set()  # games whose round is being run now
        self.failures: dict[str, str] = {}  # games whose last round failed, and why

    # --- the facilitator ---------------------------------------------------------------
    def open(self, place: str = "thanet", seed: int = 42, rounds: int = ROUNDS, households: int | None = None) -> Game:
        """A new game, with a code no game of this store has."""
        if not MIN_ROUNDS <= rounds <= MAX_ROUNDS:
            raise GameError(f"rounds: give a whole number of years from {MIN_ROUNDS} to {MAX_ROUNDS} (you gave {rounds})")
        overrides = {"run.seed": seed, "run.years": rounds, **GAME_REGIME}
        if households is not None:
            overrides["population.households"] = households
        try:
            load_scenario(place, overrides)
        except ScenarioError as error:
            raise GameError(str(error)) from None
        with self.lock:
            code = self._new_code()
            game = Game(code=code, place=place, seed=seed, rounds=rounds, households=households,
                        opened=datetime.now(timezone.utc).isoformat(timespec="seconds"))
            self._save(game)
        return game

    def close_round(self, code: str, expected: int | None = None) -> Game:
        """Run the round (`expected`: the round the caller saw; a round that has run since
        is not run again). Tables that have not decided keep last year's decisions. The
        model runs outside the lock; the round is recorded, and the game free for the next,
        under one lock, so a round never runs twice. A run that fails is kept for the
        screens to say (`failure`) and raised."""
        with self.lock:
            game = self.get(code)
            code = game.code
            if expected is not None and game.round != expected:
                raise GameError(f"year {expected} of game {code} has already run")
            if game.over:
                raise GameError(f"game {code} is over: all {game.rounds} rounds are played")
            if code in self.running:
                raise GameError(f"year {game.round} of game {code} is already running")
            if len(game.tables) < MIN_TABLES:
                raise GameError(f"game {code} has {len(game.tables)} table(s): at least {MIN_TABLES} must join first")
            self.running.add(code)
            self.failures.pop(code, None)
            trial = Game(**{**asdict(game), "decided": [*game.decided, dict(game.pending)], "pending": {}})
            game.version += 1
        try:
            shown = figures(play(trial), load_scenario(trial.place, trial.overrides()))[str(len(trial.decided))]
        except Exception as error:
            with self.lock:
                self.running.discard(code)
                self.failures[code] = f"year {trial.round - 1} could not run: {error}"
                game.version += 1
            raise
        with self.lock:
            game.decided.append(trial.decided[-1])
            game.results.append(shown)
            game.pending = {}
            self.running.discard(code)
            self._save(game)
            return game

    def close_if_everyone_decided(self, code: str, expected: int) -> Game | None:
        """Run round `expected` if every table has decided it (and nobody ran it yet);
        None otherwise."""
        with self.lock:
            game = self.get(code)
            ready = (game.round == expected and not game.over and game.code not in self.running
                     and len(game.tables) >= MIN_TABLES and set(game.tables) <= set(game.pending))
        if not ready:
            return None
        try:
            return self.close_round(code, expected)
        except GameError:
            return None  # (another screen ran it first)

    # --- the tables --------------------------------------------------------------------
    def join(self, code: str, agency: str, table: str) -> Game:
        """A table takes an agency (a table that reloads, or joins again under the same
        name, takes its own agency again)."""
        table = table.strip()
        with self.lock:
            game = self.get(code)
            code = game.code
            known = agencies_of(game.place)
            if not table:
                raise GameError("table: give your table a name (for example 'Table 3')")
            if agency not in known:
                raise GameError(f"agency: {agency!r} is not an agency of {game.place}; choose one of {', '.join(known)}")
            holder = game.tables.get(agency)
            if holder is not None and holder != table:
                raise GameError(f"{known[agency]} is already run by {holder}: choose another agency")
            if holder is None and game.over:
                raise GameError(f"game {code} is over: no table can join it now")
            if holder is None and len(game.tables) >= MAX_TABLES:
                raise GameError(f"game {code} already has {MAX_TABLES} tables, the most it takes")
            game.tables[agency] = table
            self._save(game)
            return game

    def decide(self, code: str, agency: str, expected: int | None = None, **decision: float | None) -> Game:
        """A table's decision for round `expected` (the one its screen showed; default: the
        round being played). It may change it until the round runs; a figure left None
        stays as it was. Returns the game."""
        checked = checked_decision(**decision)
        with self.lock:
            game = self.get(code)
            code = game.code
            if agency not in game.tables:
                raise GameError(f"no table runs {agency} in game {code}: join first")
            if game.over:
                raise GameError(f"game {code} is over")
            if code in self.running:
                raise GameError(f"year {game.round} is running: your decision was not taken; decide again when "
                                f"year {game.round + 1} opens")
            if expected is not None and game.round != expected:
                raise GameError(f"year {expected} has already run: your decision was not taken; decide again for "
                                f"year {game.round}")
            game.pending[agency] = checked
            self._save(game)
            return game

    # --- the record --------------------------------------------------------------------
    def get(self, code: str) -> Game:
        """The game with this code (from memory, else from its file)."""
        code = code.strip().upper()
        with self.lock:
            if code not in self.games:
                unknown = GameError(f"no game has the code {code!r}: check it with your facilitator")
                if len(code) != CODE_LENGTH or any(letter not in CODE_LETTERS for letter in code):
                    raise unknown
                path = self.directory / f"{code}.json"
                if not path.exists():
                    raise unknown
                try:
                    self.games[code] = Game.from_json(path.read_text())
                except (ValueError, TypeError) as error:
                    raise GameError(f"game {code}'s record ({path}) cannot be read: {error}") from None
            return self.games[code]

    def snapshot(self, code: str) -> Game:
        """A copy of the game as it is now, for a screen to show (the store's own copy
        changes under it as other tables play)."""
        with self.lock:
            return copy.deepcopy(self.get(code))

    def is_running(self, code: str) -> bool:
        with self.lock:
            return code.strip().upper() in self.running

    def failure(self, code: str) -> str:
        """Why the game's last round could not run ("" if it ran)."""
        with self.lock:
            return self.failures.get(code.strip().upper(), "")

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            if code not in self.games and not (self.directory / f"{code}.json").exists():
                return code

    def _save(self, game: Game) -> None:
        game.version += 1
        self.games[game.code] = game
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{game.code}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(game.to_json())
        os.replace(temporary, path)  # a reader never sees half a record


def default_directory() -> Path:
    """Where the app keeps its games: $LOCALITY_GAMES, else ~/.locality/games."""
    return Path(os.environ.get("LOCALITY_GAMES", Path.home() / ".locality" / "games"))
