"""Checks shared by the command-line tests."""


def assert_one_line_error(result, *words):
    """Bad input: exit 2, one ``error: ...`` line on stderr holding ``words``, and no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]
