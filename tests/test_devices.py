"""Batch budgets sized for the device, overridable in models.yaml."""

from __future__ import annotations

from translate.backends.devices import budgets
from translate.config import SummaryOptions, TranslationOptions


def test_auto_budgets_follow_the_device_and_numbers_override_them():
    cpu = budgets(TranslationOptions(), device="cpu", role="translation")
    assert (cpu.batch_tokens, cpu.max_hypotheses, cpu.source) == (2048, 128, "cpu default")
    assert budgets(SummaryOptions(), device="cpu", role="summary").batch_tokens == 4096
    small, big = (budgets(TranslationOptions(), device="cuda", role="translation", free_gb=gb) for gb in (8, 40))
    assert (small.batch_tokens, small.max_hypotheses) == (16384, 1024)
    assert big.batch_tokens == 5 * small.batch_tokens and "40 GB free" in big.source
    capped = budgets(TranslationOptions(), device="cuda", role="translation", free_gb=80)
    assert capped.batch_tokens == big.batch_tokens  # beyond 40 GB bigger batches stop paying off
    fixed = budgets(TranslationOptions(batch_tokens=2048, max_hypotheses=64), device="cuda", role="translation",
                    free_gb=24)
    assert (fixed.batch_tokens, fixed.max_hypotheses, fixed.source) == (2048, 64, "profile")


def test_budgets_are_validated_in_models_yaml(tmp_path):
    import pytest

    from translate.config import load_config
    from translate.errors import ConfigError

    config = tmp_path / "models.yaml"
    config.write_text("profiles:\n  p:\n    translation: {batch_tokens: lots}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "translation.batch_tokens" in str(caught.value) and "auto" in caught.value.hint
    config.write_text("profiles:\n  p:\n    translation: {batch_tokens: 512, max_hypotheses: auto}\n", encoding="utf-8")
    options = load_config(config).profile().translation
    assert (options.batch_tokens, options.max_hypotheses) == (512, "auto")
