"""``n2n.bench.timing_mp1``'s whole-photo timing passes its options to ``n2n denoise`` (tiny image; not a timing)."""

from n2n.bench.timing_mp1 import time_denoise


def test_time_denoise_runs_the_cli_with_its_options() -> None:
    options = ("--adapt", "--adapt-steps", "1", "--quiet")
    result = time_denoise(64, 96, options=options)
    assert result["shape"] == [1, 3, 64, 96] and result["options"] == list(options)
    assert result["seconds"] > 0 and result["peak_rss_bytes"] > 0 and result["met"]
