"""Reading exports: the three layouts give back the deals written, and every bad input is one clear line."""
import numpy as np
import pytest

from simulator.fit.export import ExportError, parse_columns, parse_stage_map, read_export
from simulator.fit.sample import SAMPLE_SCENARIO, simulated_deals, write_export
from simulator.scenario import load_scenario

MAPPED = {"created": "engage_date", "closed": "close_date", "stage": "deal_stage", "amount": "close_value"}


@pytest.fixture(scope="module")
def deals():
    return simulated_deals(load_scenario(SAMPLE_SCENARIO).with_values({"horizon_months": 8}), "smb", "smb")


@pytest.mark.parametrize("layout, options", [
    ("salesforce", {}),
    ("hubspot", {}),
    ("custom", {"columns": MAPPED, "won_stages": ["Won"], "lost_stages": ["Lost"]}),
])
def test_each_layout_reads_back_the_deals_written(tmp_path, deals, layout, options):
    path = write_export(deals, tmp_path / f"{layout}.csv", layout)
    export = read_export(path, **options)
    start = np.datetime64("2023-01-01")
    assert len(export) == len(deals["created"])
    assert np.array_equal(export.created, start + deals["created"].astype(int))
    closed = ~np.isnan(deals["closed"])
    assert np.array_equal(export.outcome == "open", ~closed)
    assert np.array_equal(export.outcome == "won", closed & deals["won"])
    assert np.array_equal(export.closed[closed], start + deals["closed"][closed].astype(int))
    assert export.amount == pytest.approx(deals["amount"], abs=0.006)
    assert export.row.tolist() == list(range(2, len(export) + 2))


def _with_amount(body: str) -> str:
    """``body`` with an Amount column of 10s, unless it has one (every export needs it)."""
    lines = body.split("\n")
    if not body or "amount" in lines[0].lower():
        return body
    sep = ";" if ";" in lines[0] else ","
    return "\n".join([lines[0] + sep + "Amount"] + [line + sep + "10" if line else line for line in lines[1:]])


def _csv(tmp_path, text, name="export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = ("Created Date,Close Date,Stage,Amount\n2024-01-05,2024-02-01,Closed Won,\"$1,200.50\"\n"
        "2024-01-09,2024-03-01,Closed Lost,900\n2024-02-01,2024-06-30,Prospecting,\n")


def test_open_rows_are_kept_as_open_and_their_expected_close_date_ignored(tmp_path):
    export = read_export(_csv(tmp_path, GOOD))
    assert export.outcome.tolist() == ["won", "lost", "open"]
    assert np.isnat(export.closed[2])
    assert export.as_of == np.datetime64("2024-03-01")   # the latest date of an event, not the expected close
    assert export.days_open.tolist() == [27.0, 52.0, 29.0]
    assert export.amount[:2].tolist() == [1200.5, 900.0] and np.isnan(export.amount[2])


@pytest.mark.parametrize("text, expected", [
    ("1,234.50", 1234.5), ("$12,500", 12500.0), ("12.500,00 EUR", 12500.0), ("1 234,5 zł", 1234.5),
    ("€ 99", 99.0), ("USD 1,000,000", 1e6), ("1.234.567", 1234567.0), ("£3,5", 3.5),
])
def test_amounts_in_many_forms(tmp_path, text, expected):
    body = f"Created Date;Close Date;Stage;Amount\n2024-01-05;2024-02-01;Closed Won;{text}\n"
    assert read_export(_csv(tmp_path, body)).amount[0] == pytest.approx(expected)


def test_day_first_and_month_first_are_detected_when_a_day_passes_12(tmp_path):
    day_first = "Created Date,Close Date,Stage\n05/01/2024,25/01/2024,Closed Won\n"
    month_first = "Created Date,Close Date,Stage\n01/05/2024,01/25/2024,Closed Won\n"
    for text in (day_first, month_first):
        export = read_export(_csv(tmp_path, _with_amount(text)))
        assert export.created[0] == np.datetime64("2024-01-05")
        assert export.closed[0] == np.datetime64("2024-01-25")


def test_ambiguous_dates_need_dayfirst_and_take_it(tmp_path):
    path = _csv(tmp_path, _with_amount("Created Date,Close Date,Stage\n03/04/2024,05/06/2024,Closed Won\n"))
    with pytest.raises(ExportError, match="could be day-first or month-first: give --dayfirst or --monthfirst"):
        read_export(path)
    assert read_export(path, dayfirst=True).created[0] == np.datetime64("2024-04-03")
    assert read_export(path, dayfirst=False).created[0] == np.datetime64("2024-03-04")


def test_won_and_closed_columns_decide_when_there_is_no_stage(tmp_path):
    body = "CreatedDate,CloseDate,IsWon,IsClosed\n2024-01-01,2024-01-10,true,true\n2024-01-01,2024-01-20,false,true\n" \
           "2024-01-01,2024-05-01,false,false\n"
    assert read_export(_csv(tmp_path, _with_amount(body))).outcome.tolist() == ["won", "lost", "open"]


FLAGS_AND_STAGE = ("Created Date,Close Date,Stage,Won,Closed,Amount\n2024-01-01,2024-01-10,Signed,true,true,10\n"
                   "2024-01-01,2024-01-20,Closed Won,false,true,20\n2024-01-01,2024-05-01,Closed Lost,false,false,"
                   "30\n2024-01-01,2024-05-01,Won,false,false,40\n")


def test_won_and_closed_columns_decide_over_the_stage_unless_stage_labels_are_given(tmp_path):
    path = _csv(tmp_path, FLAGS_AND_STAGE)
    export = read_export(path)
    assert export.outcome.tolist() == ["won", "lost", "open", "open"]
    assert export.outcome_from.startswith("outcome from the 'Won' and 'Closed' columns")
    assert "the 'Stage' column decides only with --won-stage or --lost-stage" in export.outcome_from
    # Either option hands the decision to the stage; the kind not given keeps its default labels (Won, Lost...).
    export = read_export(path, won_stages=["Signed"])
    assert export.outcome.tolist() == ["won", "open", "lost", "open"]
    assert export.outcome_from.startswith("outcome from the 'Stage' column: won 'Signed'; lost 'Closed Lost', "
                                          "'closedlost', 'Lost'")
    assert read_export(path, lost_stages=["Closed Lost"]).outcome.tolist() == ["open", "won", "lost", "won"]
    assert export.before(np.datetime64("2024-01-15")).outcome_from == export.outcome_from


def test_stage_labels_without_a_stage_column_are_refused(tmp_path):
    body = _with_amount("CreatedDate,CloseDate,IsWon,IsClosed\n2024-01-01,2024-01-10,true,true\n")
    with pytest.raises(ExportError, match="--won-stage and --lost-stage name labels of the stage column, and "
                                          "there is none"):
        read_export(_csv(tmp_path, body), won_stages=["Signed"])


@pytest.mark.parametrize("body, options, words", [
    ("Created Datum,Close Date,Stage\n2024-01-01,2024-02-01,Closed Won\n", {},
     ["no column for the date the opportunity was created", "did you mean 'Created Datum'?",
      "columns found: Created Datum, Close Date, Stage"]),
    ("Created Date,Close Date,Stage\n2024-01-01,2024-02-01,Closed Won\n", {"columns": {"created": "engage"}},
     ["column 'engage' (--columns created=...)"]),
    ("Created Date,Close Date,Stage\n2024-01-01,2024-02-01,Closed Won\nsoon,2024-02-01,Closed Won\n"
     "2024-13-01,2024-02-01,Closed Lost\n", {},
     ["column 'Created Date': 2 rows with a date that cannot be read (rows 3, 4; e.g. 'soon')"]),
    ("Created Date,Close Date,Stage\n2024-01-01,,Closed Won\n", {}, ["column 'Close Date': 1 row with no date (row 2"]),
    ("Created Date,Close Date,Stage,Amount\n2024-01-01,2024-02-01,Closed Won,lots\n", {},
     ["column 'Amount': 1 row with an amount that cannot be read (row 2; e.g. 'lots')"]),
    ("Created Date,Close Date,Stage\n2024-01-01,2024-02-01,Closed Won\n2024-03-01,2024-02-01,Closed Lost\n", {},
     ["1 row close before it was created (row 3; row 3: column 'Close Date' 2024-02-01 is before column "
      "'Created Date' 2024-03-01)"]),
    ("Created Date,Close Date,Stage\n2024-01-01,2024-02-01,Signed\n2024-01-01,2024-02-01,Dead\n", {},
     ["no closed deals (won or lost) among 2 rows; stages found: 'Signed' (1), 'Dead' (1)", "--won-stage"]),
    ("Created Date,Close Date,Stage\n31/01/2024,01/31/2024,Closed Won\n", {},
     ["dates are written both day-first and month-first"]),
    ("Created Date,Close Date,Stage\n", {}, ["no rows under the header"]),
    ("Created Date,Close Date,Stage,Amount (USD)\n2024-01-01,2024-02-01,Closed Won,10\n", {},
     ["export.csv: no column for its amount (contract value per year) ('Amount' or 'Deal Amount'; or --columns "
      "amount=COLUMN); did you mean 'Amount (USD)'?", "columns found: Created Date, Close Date, Stage, Amount (USD)"]),
    ("", {}, ["the file is empty"]),
    ("Created Date,Close Date,Stage\n2024-01-01,2024-02-01,Closed Won\n", {"by": "Lead Sorce"},
     ["--by: no column 'Lead Sorce'"]),
    ("CreatedDate,CloseDate,IsWon,IsClosed\n2024-01-01,2024-01-10,maybe,true\n", {},
     ["column 'IsWon': 1 row not true or false (row 2; e.g. 'maybe')"]),
    # two columns the reader could take for one field: it took the last, silently (the amounts of an empty one)
    ("Created Date,Close Date,Stage,Amount,Amount\n2024-01-01,2024-02-01,Closed Won,10,\n", {},
     ["export.csv: columns 4, 5 are all named 'Amount', so which holds its amount (contract value per year) is "
      "not known: rename or remove all but one"]),
    ("Created Date,Close Date,Stage,Amount,amount\n2024-01-01,2024-02-01,Closed Won,10,\n", {},
     ["columns 4 ('Amount'), 5 ('amount') differ only in case, spaces or punctuation, so which holds its amount",
      "or name it with --columns amount=COLUMN"]),
    # a row with cells beyond the header's was read with them dropped
    ("Created Date,Close Date,Stage,Amount\n2024-01-01,2024-02-01,Closed Won,10\n"
     "2024-01-02,2024-02-01,Closed Won,$1,200\n", {},
     ["export.csv: 1 row with more cells than the header's 4 columns (row 3; row 3 has 5, e.g. '200'): is a "
      "separator inside a value that is not quoted?"]),
    # a stage label that no row has made every such deal open, and the error was about too few won deals
    (GOOD, {"won_stages": ["Closed Wno"]},
     ["export.csv: --won-stage 'Closed Wno': no row of column 'Stage' has that stage (did you mean 'Closed Won'?); "
      "stages found: 'Closed Won' (1), 'Closed Lost' (1), 'Prospecting' (1)"]),
    (GOOD, {"won_stages": ["Closed Won"], "lost_stages": ["closed won"]},
     ["--won-stage and --lost-stage both name 'Closed Won'"]),
])
def test_bad_exports_say_where_and_what_was_expected(tmp_path, body, options, words):
    with pytest.raises(ExportError) as caught:
        read_export(_csv(tmp_path, _with_amount(body)), **options)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_empty_cells_beyond_the_header_are_read_as_nothing(tmp_path):
    """A separator at the end of every row (some exports write one) shifts no cell."""
    lines = GOOD.splitlines()
    export = read_export(_csv(tmp_path, "\n".join([lines[0]] + [line + "," for line in lines[1:]]) + "\n"))
    assert export.outcome.tolist() == ["won", "lost", "open"]


def test_an_export_that_is_not_utf8_names_its_line_and_what_was_expected(tmp_path):
    """It showed Python's codec message, with a byte offset and no line."""
    path = tmp_path / "latin.csv"
    path.write_bytes(GOOD.replace("Prospecting", "Prospección").encode("latin-1"))
    with pytest.raises(ExportError, match=r"latin.csv: line 4 is not UTF-8 text \(byte 0xf3\): expected a CSV saved "
                                          r"as UTF-8 \(in Excel: CSV UTF-8\)"):
        read_export(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ExportError, match="no such file"):
        read_export(tmp_path / "nothing.csv")


def test_stage_reached_is_read_for_lost_deals_through_the_stage_map(tmp_path):
    body = ("Created Date,Close Date,Stage,Last Stage\n2024-01-01,2024-02-01,Closed Lost,Discovery\n"
            "2024-01-01,2024-02-01,Closed Lost,procurement\n2024-01-01,2024-02-01,Closed Won,Order\n"
            "2024-01-01,2024-02-01,Closed Lost,\n")
    path = _csv(tmp_path, _with_amount(body))
    with pytest.raises(ExportError, match="column 'Last Stage': stage 'Discovery' \\(row 2\\) is not one of meeting, "
                                          "demo, technical, procurement, order; map it with --stage-map"):
        read_export(path)
    export = read_export(path, stage_map=parse_stage_map("Discovery=meeting"))
    assert export.lost_at.tolist() == [0, 3, -1, -1]


def test_stage_map_refuses_bad_items():
    with pytest.raises(ExportError, match="'pitch' is not a stage"):
        parse_stage_map("Pitch=pitch")
    with pytest.raises(ExportError, match="is not LABEL=STAGE"):
        parse_stage_map("demo")
    # the later of two stages for one label replaced the earlier silently
    with pytest.raises(ExportError, match="--stage-map: 'Demo' is given twice \\('demo' and 'meeting'\\)"):
        parse_stage_map("Demo=demo,Demo=meeting")


def test_columns_mapping_parses_and_refuses_bad_items():
    assert parse_columns("created=engage_date, closed = close_date") == {"created": "engage_date",
                                                                        "closed": "close_date"}
    with pytest.raises(ExportError, match="'created' is not FIELD=COLUMN"):
        parse_columns("created")
    with pytest.raises(ExportError, match="unknown field 'create' \\(did you mean 'created'\\?\\)"):
        parse_columns("create=x")
    # a field given twice took the last column, silently; two fields in one column read it twice
    with pytest.raises(ExportError, match="--columns: 'created' is given twice \\('Created Date' and 'Close Date'\\)"):
        parse_columns("created=Created Date,created=Close Date")
    with pytest.raises(ExportError, match="--columns: amount and created both name column 'Amount'"):
        parse_columns("amount=Amount,created=Amount")
    assert parse_columns("created=x,created=x") == {"created": "x"}
