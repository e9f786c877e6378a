"""Reading a CRM export: one row per opportunity, into created and closed dates, outcomes and amounts.

An export is whatever a CRM's report writer gives: Salesforce opportunity
reports (``Created Date``, ``Close Date``, ``Stage``, ``Amount``, ``Won``,
``Closed``, or their API names ``CreatedDate``, ``StageName``, ``IsWon``...),
HubSpot deal exports (``Create Date``, ``Close Date``, ``Deal Stage``,
``Amount``), or any other layout mapped with ``--columns``. Dates come as ISO
(2024-01-31), day-first (31/01/2024) or month-first (01/31/2024); amounts
with currency signs and thousands separators ($1,250.00, 1.250,00 EUR).

A row still open is kept: it is a right-censored observation (the deal has
lasted at least until the export, and its outcome is unknown), never a loss.
Rows are numbered as a spreadsheet shows them: the header is row 1.
"""
from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np

from simulator.scenario.schema import STAGES

FIELDS = {
    "created": "the date the opportunity was created",
    "closed": "the date it closed (won or lost)",
    "stage": "its stage",
    "amount": "its amount (contract value per year)",
    "won": "whether it was won",
    "is_closed": "whether it is closed",
    "stage_reached": "the last stage a lost deal reached",
}
"""The columns an export can give, by the name ``--columns`` uses, and what each holds."""

KNOWN_NAMES = {
    "created": ("Created Date", "CreatedDate", "Create Date", "createdate", "Created", "Date Created"),
    "closed": ("Close Date", "CloseDate", "closedate", "Closed Date"),
    "stage": ("Stage", "StageName", "Deal Stage", "dealstage"),
    "amount": ("Amount", "amount", "Deal Amount"),
    "won": ("Won", "IsWon"),
    "is_closed": ("Closed", "IsClosed"),
    "stage_reached": ("Stage Reached", "Last Stage", "Stage Before Close", "Lost Stage"),
}
"""Column names recognised without ``--columns``: Salesforce report and API names, HubSpot's."""

WON_STAGES = ("Closed Won", "closedwon", "Won")
LOST_STAGES = ("Closed Lost", "closedlost", "Lost")
TRUE = {"true", "1", "yes", "y", "t", "x"}
FALSE = {"false", "0", "no", "n", "f", ""}
SHOWN_ROWS = 5   # row numbers an error names


class ExportError(ValueError):
    """An export that cannot be read: one line saying where (file, row, column) and what was expected."""


@dataclass(frozen=True)
class Export:
    """The opportunities of an export, one entry per row, in file order.

    ``outcome`` is "won", "lost" or "open"; ``closed`` is NaT for open rows
    (a CRM's expected close date of an open deal is a guess, not an event);
    ``amount`` is NaN where the cell was empty; ``group`` holds the
    ``--by`` column's value ("" without one); ``row`` the spreadsheet row;
    ``lost_at`` the index in :data:`STAGES` of the stage a lost deal
    reached (-1 when unknown, and for deals not lost). ``as_of`` is the day
    the export was taken: open deals have lasted until then.
    ``outcome_from`` says which columns decided the outcomes (and with
    which stage labels), for the summary and the report.
    """

    source: str
    created: np.ndarray      # datetime64[D]
    closed: np.ndarray       # datetime64[D], NaT when open
    outcome: np.ndarray      # str
    amount: np.ndarray       # float
    group: np.ndarray        # str
    row: np.ndarray          # int
    lost_at: np.ndarray      # int, -1 unknown
    as_of: np.datetime64
    outcome_from: str = ""

    def __len__(self) -> int:
        return len(self.row)

    def subset(self, keep: np.ndarray) -> "Export":
        """The rows where ``keep`` is True, with the same ``as_of``."""
        return Export(self.source, self.created[keep], self.closed[keep], self.outcome[keep], self.amount[keep],
                      self.group[keep], self.row[keep], self.lost_at[keep], self.as_of, self.outcome_from)

    def before(self, cutoff: np.datetime64) -> "Export":
        """The export as it would have been taken at the end of the day before ``cutoff``: rows created
        before it, and those that closed on or after it still open."""
        keep = self.created < cutoff
        later = ~np.isnat(self.closed) & (self.closed >= cutoff)
        closed = np.where(later, np.datetime64("NaT"), self.closed)
        outcome = np.where(later, "open", self.outcome)
        lost_at = np.where(later, -1, self.lost_at)
        return Export(self.source, self.created[keep], closed[keep], outcome[keep], self.amount[keep],
                      self.group[keep], self.row[keep], lost_at[keep], cutoff - np.timedelta64(1, "D"),
                      self.outcome_from)

    @property
    def days_open(self) -> np.ndarray:
        """Days from creation to the close (closed rows) or to ``as_of`` (open rows)."""
        end = np.where(np.isnat(self.closed), self.as_of, self.closed)
        return (end - self.created).astype(float)


def _pairs(text: Optional[str], option: str, form: str, names) -> list[tuple[str, str]]:
    """``a=b,c=d`` -> [(a, b), (c, d)]; ExportError naming ``option`` for an item not written ``form``."""
    pairs = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        left, sep, right = (part.strip() for part in item.partition("="))
        if not sep or not left or not right:
            kind = "fields" if option == "--columns" else "stages"
            raise ExportError(f"{option}: {item.strip()!r} is not {form} ({kind}: {', '.join(names)})")
        given = next((value for key, value in pairs if key == left), None)
        if given is not None and given != right:   # the later would silently replace the earlier
            raise ExportError(f"{option}: {left!r} is given twice ({given!r} and {right!r}): give it once")
        pairs.append((left, right))
    return pairs


def parse_columns(text: Optional[str]) -> dict[str, str]:
    """``created=engage_date,closed=close_date`` -> {"created": "engage_date", ...}; ExportError when malformed."""
    mapping = dict(_pairs(text, "--columns", "FIELD=COLUMN", FIELDS))
    for name in mapping:
        if name not in FIELDS:
            raise ExportError(f"--columns: unknown field {name!r}{did_you_mean(name, FIELDS)}; "
                              f"fields: {', '.join(FIELDS)}")
    for name, column in mapping.items():
        shared = [other for other, col in mapping.items() if col == column]
        if len(shared) > 1:
            raise ExportError(f"--columns: {' and '.join(shared)} both name column {column!r}: a column holds one "
                              "field")
    return mapping


def read_export(path, columns: Optional[Mapping[str, str]] = None, won_stages: Sequence[str] = (),
                lost_stages: Sequence[str] = (), dayfirst: Optional[bool] = None, by: Optional[str] = None,
                as_of: Optional[str] = None, stage_map: Optional[Mapping[str, str]] = None) -> Export:
    """Read a CRM export (CSV, comma, semicolon or tab separated) into an :class:`Export`.

    columns: field -> column name for layouts the reader does not know
    (fields: created, closed, stage, amount, won, is_closed; created, closed and amount are needed).
    won_stages, lost_stages: stage labels that mean won and lost. Without
    them, the Won and Closed columns decide when the export has both (its
    stage column is then ignored), else the stage column with the labels
    "Closed Won", "closedwon", "Won" and "Closed Lost", "closedlost",
    "Lost". Either given, the stage column decides with them (the other
    kind keeps its default labels).
    dayfirst: True for 31/01/2024, False for 01/31/2024, None to detect it
    (an error when every date could be read either way).
    by: a column whose values split the opportunities into groups.
    as_of: the day the export was taken (default: its latest date).
    stage_map: the CRM's label -> the model's stage (meeting, demo,
    technical, procurement, order) for the stage_reached column; labels
    that are the model's stage names need no mapping.
    Raises :class:`ExportError`.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except OSError as err:
        raise ExportError(f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise ExportError(f"{path}: line {line} is not UTF-8 text (byte {raw[err.start]:#04x}): expected a CSV "
                          "saved as UTF-8 (in Excel: CSV UTF-8)") from None
    header, rows = _table(text, path)
    where = {name: i for i, name in enumerate(header)}
    found = _find_columns(header, dict(columns or {}), path, by)
    if (won_stages or lost_stages) and "stage" not in found:
        raise _missing(path, "--won-stage and --lost-stage name labels of the stage column, and there is none "
                             "('Stage', 'Deal Stage'; or --columns stage=COLUMN)", "Stage", header)
    n = len(rows)
    cell = {field: [r[where[col]] if where[col] < len(r) else "" for r in rows] for field, col in found.items()}

    outcome, stages, outcome_from = _outcomes(cell, found, won_stages, lost_stages, path)
    if not np.any(outcome != "open"):
        shown = ", ".join(f"{label!r} ({len(r)})" for label, (_, r) in list(stages.items())[:8])
        raise ExportError(f"{path}: no closed deals (won or lost) among {n} rows"
                          + (f"; stages found: {shown}; name the closed ones with --won-stage and --lost-stage"
                             if stages else ""))
    date_texts = cell["created"] + [c for c, o in zip(cell["closed"], outcome) if o != "open"]
    first = _date_order(date_texts, dayfirst, path)
    created = _dates(cell["created"], found["created"], path, first, np.ones(n, dtype=bool))
    closed = _dates(cell["closed"], found["closed"], path, first, outcome != "open")
    numbers = np.arange(2, n + 2)
    early = np.flatnonzero(~np.isnat(closed) & (closed < created))
    if len(early):
        i = early[0]
        raise ExportError(f"{path}: {len(early)} row{'s' if len(early) != 1 else ''} close before "
                          f"{'they were' if len(early) != 1 else 'it was'} created ({_rows(numbers[early])}; "
                          f"row {numbers[i]}: column {found['closed']!r} {closed[i]} is before column "
                          f"{found['created']!r} {created[i]})")
    amount = _amounts(cell["amount"], found["amount"], path)
    group = np.array([c.strip() for c in cell["by"]] if by else [""] * n, dtype=object).astype(str)
    latest = max(created.max(), closed[~np.isnat(closed)].max())
    when = latest if as_of is None else _as_of(as_of, path, first)
    if when < latest:
        raise ExportError(f"--as-of {as_of}: the export has dates up to {latest}, after it")
    lost_at = np.full(n, -1)
    if "stage_reached" in found:
        lost_at = _lost_at(cell["stage_reached"], found["stage_reached"], outcome, dict(stage_map or {}), path)
    return Export(str(path), created, closed, outcome, amount, group, numbers, lost_at, when, outcome_from)


def _table(text: str, path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows (blank lines skipped) of a delimited text."""
    if not text.strip():
        raise ExportError(f"{path}: the file is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    header = [c.strip() for c in rows[0]]
    if len(rows) < 2:
        raise ExportError(f"{path}: no rows under the header (columns: {', '.join(header)})")
    # A cell beyond the header's columns: the cells of that row are shifted (a separator inside a value that
    # is not quoted), so its columns cannot be trusted. Empty cells there (a trailing separator) are harmless.
    over = np.array([i + 2 for i, r in enumerate(rows[1:]) if any(c.strip() for c in r[len(header):])])
    if len(over):
        row = rows[over[0] - 1]
        raise ExportError(f"{path}: {len(over)} row{'s' if len(over) != 1 else ''} with more cells than the "
                          f"header's {len(header)} columns ({_rows(over)}; row {over[0]} has {len(row)}, e.g. "
                          f"{row[len(header)]!r}): is a separator inside a value that is not quoted?")
    return header, rows[1:]


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _find_columns(header: list[str], mapping: dict, path: Path, by: Optional[str]) -> dict[str, str]:
    """Field -> column name: the mapping given, else a known name; ExportError naming a missing one."""
    by_key = {_key(name): name for name in header}
    found = {}
    for field in FIELDS:
        if field in mapping:
            if mapping[field] not in header:
                raise _missing(path, f"column {mapping[field]!r} (--columns {field}=...)", mapping[field], header)
            found[field] = mapping[field]
            continue
        for name in KNOWN_NAMES[field]:
            if _key(name) in by_key:
                found[field] = by_key[_key(name)]
                break
    for field in ("created", "closed", "amount"):   # the fit always fits the contract value: amount is needed
        if field not in found:
            distinct = list({n.lower(): n for n in reversed(KNOWN_NAMES[field])}.values())[::-1]
            names = " or ".join(repr(n) for n in distinct[:3])
            raise _missing(path, f"no column for {FIELDS[field]} ({names}; or --columns {field}=COLUMN)",
                           KNOWN_NAMES[field][0], header)
    if "stage" not in found and not {"won", "is_closed"} <= set(found):
        raise _missing(path, f"no column for {FIELDS['stage']} ('Stage', 'Deal Stage'; or the 'Won' and "
                             "'Closed' columns; or --columns stage=COLUMN)", "Stage", header)
    if by is not None:
        if by not in header:
            raise _missing(path, f"--by: no column {by!r}", by, header)
        found["by"] = by
    for field, name in found.items():   # the reader would take one of two columns silently: say which are alike
        exact = field in mapping or field == "by"
        same = [i for i, h in enumerate(header) if (h == name if exact else _key(h) == _key(name))]
        if len(same) > 1:
            what = "the --by column" if field == "by" else FIELDS[field]
            alike = len({header[i] for i in same}) > 1   # differ in case, spaces or punctuation only
            shown = ", ".join(f"{i + 1} ({header[i]!r})" if alike else str(i + 1) for i in same)
            named = "differ only in case, spaces or punctuation" if alike else f"are all named {name!r}"
            raise ExportError(f"{path}: columns {shown} {named}, so which holds {what} is not known: rename or "
                              "remove all but one"
                              + (f", or name it with --columns {field}=COLUMN" if alike else ""))
    return found


def _missing(path: Path, what: str, wanted: str, header: list[str]) -> ExportError:
    keys = {_key(h): h for h in header}
    close = difflib.get_close_matches(_key(wanted), list(keys), n=1, cutoff=0.6)
    hint = f"; did you mean {keys[close[0]]!r}?" if close else ""
    return ExportError(f"{path}: {what}{hint} (columns found: {', '.join(header)})")


def did_you_mean(word: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the choice nearest ``word``, or "" when none is near."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _rows(numbers: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in numbers[:SHOWN_ROWS])
    return f"row{'s' if len(numbers) != 1 else ''} {shown}{', ...' if len(numbers) > SHOWN_ROWS else ''}"


def _outcomes(cell: dict, found: dict, won_stages, lost_stages, path: Path) -> tuple[np.ndarray, dict, str]:
    """Each row's outcome (won, lost, open), per stage label its outcome and row numbers, and which columns
    decided (a line for the summary).

    --won-stage or --lost-stage given, or no Won and Closed columns: the
    stage label decides (the default labels for the kind not given). Else
    the Won and Closed columns decide, and the stage is not read.
    """
    n = len(cell["created"])
    stage = [s.strip() for s in cell["stage"]] if "stage" in found else [""] * n
    flags = {"won", "is_closed"} <= set(found)
    if won_stages or lost_stages or not flags:
        won_labels, lost_labels = won_stages or WON_STAGES, lost_stages or LOST_STAGES
        won_keys = {_key(s) for s in won_labels}
        lost_keys = {_key(s) for s in lost_labels}
        _check_stage_labels(stage, found, won_stages, lost_stages, path)
        outcome = np.array(["won" if _key(s) in won_keys else "lost" if _key(s) in lost_keys else "open"
                            for s in stage], dtype=object)
        decided = (f"outcome from the {found['stage']!r} column: won {', '.join(map(repr, won_labels))}; lost "
                   f"{', '.join(map(repr, lost_labels))}; any other label open")
        if flags:
            decided += (f"; the {found['won']!r} and {found['is_closed']!r} columns do not decide, as "
                        "--won-stage or --lost-stage is given")
    else:
        won = _flags(cell["won"], found["won"], path)
        is_closed = _flags(cell["is_closed"], found["is_closed"], path)
        outcome = np.where(is_closed, np.where(won, "won", "lost"), "open").astype(object)
        decided = (f"outcome from the {found['won']!r} and {found['is_closed']!r} columns: closed and won, closed "
                   "and lost, or open")
        if "stage" in found:
            decided += f"; the {found['stage']!r} column decides only with --won-stage or --lost-stage"
    stages: dict = {}
    for i, (label, result) in enumerate(zip(stage, outcome)):
        stages.setdefault(label, (result, []))[1].append(i + 2)
    return outcome.astype(str), stages, decided


def _check_stage_labels(stage: list[str], found: dict, won_stages, lost_stages, path: Path) -> None:
    """ExportError for a --won-stage or --lost-stage label that no row has, or one given as both: a typo
    would otherwise count every such deal as open."""
    both = {_key(s) for s in won_stages} & {_key(s) for s in lost_stages}
    if both:
        label = next(s for s in won_stages if _key(s) in both)
        raise ExportError(f"--won-stage and --lost-stage both name {label!r}: a stage is won or lost, not both")
    counts: dict = {}
    for label in stage:
        counts[label] = counts.get(label, 0) + 1
    keys = {_key(label) for label in counts}
    for option, labels in (("--won-stage", won_stages), ("--lost-stage", lost_stages)):
        for label in labels:
            if _key(label) not in keys:
                shown = ", ".join(f"{s!r} ({n})" for s, n in list(counts.items())[:8])
                raise ExportError(f"{path}: {option} {label!r}: no row of column {found['stage']!r} has that "
                                  f"stage{did_you_mean(label, counts)}; stages found: {shown}")


def parse_stage_map(text: Optional[str]) -> dict[str, str]:
    """``Discovery=meeting,Demo=demo`` -> {"Discovery": "meeting", ...}; ExportError when malformed."""
    mapping = dict(_pairs(text, "--stage-map", "LABEL=STAGE", STAGES))
    for stage in mapping.values():
        if stage not in STAGES:
            raise ExportError(f"--stage-map: {stage!r} is not a stage{did_you_mean(stage, STAGES)}; stages: "
                              f"{', '.join(STAGES)}")
    return mapping


def _lost_at(texts: list[str], column: str, outcome: np.ndarray, stage_map: dict, path: Path) -> np.ndarray:
    """The model stage each lost deal reached (index in STAGES; -1 when the cell is empty or not lost)."""
    known = {_key(s): i for i, s in enumerate(STAGES)}
    known.update({_key(label): STAGES.index(stage) for label, stage in stage_map.items()})
    lost_at = np.full(len(texts), -1)
    unknown: dict[str, list[int]] = {}
    for i, (text, result) in enumerate(zip(texts, outcome)):
        if result != "lost" or not text.strip():
            continue
        if _key(text) in known:
            lost_at[i] = known[_key(text)]
        else:
            unknown.setdefault(text.strip(), []).append(i + 2)
    if unknown:
        label, rows = next(iter(unknown.items()))
        others = f" (and {len(unknown) - 1} other label{'s' if len(unknown) > 2 else ''})" if len(unknown) > 1 else ""
        raise ExportError(f"{path}: column {column!r}: stage {label!r}{others} ({_rows(np.array(rows))}) is not one "
                          f"of {', '.join(STAGES)}; map it with --stage-map {label!r}=STAGE")
    return lost_at


def _flags(texts: list[str], column: str, path: Path) -> np.ndarray:
    bad = [i for i, t in enumerate(texts) if t.strip().lower() not in TRUE | FALSE]
    if bad:
        raise ExportError(f"{path}: column {column!r}: {len(bad)} row{'s' if len(bad) != 1 else ''} not true or "
                          f"false ({_rows(np.array(bad) + 2)}; e.g. {texts[bad[0]]!r})")
    return np.array([t.strip().lower() in TRUE for t in texts])


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ ,T].*)?$")


def _date_order(texts: list[str], dayfirst: Optional[bool], path: Path) -> Optional[bool]:
    """Day-first (True) or month-first (False) for the non-ISO dates, as given or detected."""
    pairs = [(int(m[1]), int(m[2])) for m in (_DMY.match(t.strip()) for t in texts) if m]
    if dayfirst is not None or not pairs:
        return dayfirst
    day_first = any(a > 12 for a, _ in pairs)
    month_first = any(b > 12 for _, b in pairs)
    if day_first and month_first:
        raise ExportError(f"{path}: dates are written both day-first and month-first (such as "
                          f"{_example(texts, lambda a, b: a > 12)!r} and {_example(texts, lambda a, b: b > 12)!r})")
    if not day_first and not month_first:
        raise ExportError(f"{path}: dates such as {_example(texts, lambda a, b: True)!r} could be day-first or "
                          "month-first: give --dayfirst or --monthfirst")
    return day_first


def _example(texts, test) -> str:
    for t in texts:
        m = _DMY.match(t.strip())
        if m and test(int(m[1]), int(m[2])):
            return t.strip()
    return ""


def _date(text: str, dayfirst: Optional[bool]) -> Optional[date]:
    text = text.strip()
    try:
        m = _ISO.match(text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = _DMY.match(text)
        if m and dayfirst is not None:
            a, b = int(m[1]), int(m[2])
            day, month = (a, b) if dayfirst else (b, a)
            return date(int(m[3]), month, day)
    except ValueError:
        return None
    return None


def _dates(texts: list[str], column: str, path: Path, dayfirst: Optional[bool], needed: np.ndarray) -> np.ndarray:
    """The dates of the rows where ``needed``, NaT elsewhere; ExportError for any that cannot be read."""
    values = [(_date(t, dayfirst) if need else None) for t, need in zip(texts, needed)]
    bad = np.flatnonzero([need and v is None for v, need in zip(values, needed)])
    if len(bad):
        example = texts[bad[0]].strip()
        raise ExportError(f"{path}: column {column!r}: {len(bad)} row{'s' if len(bad) != 1 else ''} with "
                          f"{'no date' if not example else 'a date that cannot be read'} ({_rows(bad + 2)}; "
                          f"e.g. {example!r}); expected 2024-01-31, 31/01/2024 or 01/31/2024")
    return np.array([np.datetime64(v, "D") if v else np.datetime64("NaT") for v in values], dtype="datetime64[D]")


def _as_of(text: str, path: Path, dayfirst: Optional[bool]) -> np.datetime64:
    value = _date(text, dayfirst if dayfirst is not None else False) if _DMY.match(text.strip()) else _date(text, None)
    if value is None:
        raise ExportError(f"--as-of: {text!r} is not a date (expected 2024-01-31)")
    return np.datetime64(value, "D")


def parse_date(text: str, what: str) -> np.datetime64:
    """An ISO date given on the command line (``--backtest 2024-01-01``); ExportError otherwise."""
    value = _date(text, None) if _ISO.match(text.strip()) else None
    if value is None:
        raise ExportError(f"{what}: {text!r} is not a date written 2024-01-31")
    return np.datetime64(value, "D")


_MONEY_NOISE = re.compile(r"[\s\u00a0\u202f'$€£¥₹]|[A-Za-zł]{1,3}\.?$|^[A-Za-zł]{1,3}")


def _amount(text: str) -> Optional[float]:
    """An amount written with a currency sign or code and thousands separators; None if unreadable."""
    t = _MONEY_NOISE.sub("", text.strip())
    negative = t.startswith("(") and t.endswith(")")
    t = t.strip("()")
    if "," in t and "." in t:
        t = t.replace(",", "") if t.rfind(".") > t.rfind(",") else t.replace(".", "").replace(",", ".")
    elif "," in t:
        t = t.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+", t) else t.replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}", t):
        t = t.replace(".", "")
    try:
        value = float(t)
    except ValueError:
        return None
    return -value if negative else value


def _amounts(texts: list[str], column: str, path: Path) -> np.ndarray:
    values = [np.nan if not t.strip() else _amount(t) for t in texts]
    bad = np.flatnonzero([v is None or (v == v and v < 0) for v in values])
    if len(bad):
        raise ExportError(f"{path}: column {column!r}: {len(bad)} row{'s' if len(bad) != 1 else ''} with an "
                          f"amount that cannot be read ({_rows(bad + 2)}; e.g. {texts[bad[0]].strip()!r}); "
                          "expected a number >= 0 such as 12500, $12,500.00 or 12.500,00 EUR")
    return np.array(values, dtype=float)
