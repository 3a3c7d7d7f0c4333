"""``models.yaml``: named profiles -> the frozen option dataclasses of ``options``, validated
before any work starts; the command-line overrides; the settings record provenance compares."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from .backends.llm.settings import parse_llm
from .errors import ConfigError, UsageError
from .options import (
    BACKENDS,
    COMPUTE_TYPES,
    CONFIG_ENV,
    DEVICES,
    OUTPUT_FORMATS,
    SUMMARY_METHODS,
    Config,
    GenerationSettings,
    InputOptions,
    ModelOptions,
    OutputOptions,
    Profile,
    ReviewOptions,
    SummaryOptions,
    TranslationOptions,
)

__all__ = ["Config", "GenerationSettings", "InputOptions", "ModelOptions", "OutputOptions", "Profile", "ReviewOptions",
           "SummaryOptions", "TranslationOptions", "find_config", "load_config", "parse_config", "parse_formats",
           "settings_record", "with_overrides"]


_PATTERN_KEYS = ("chrome_patterns", "meta_patterns", "date_patterns")


def _build_input(path: Path, where: str, data: Any, config_dir: Path) -> InputOptions:
    """The ``input:`` section: limits as usual; pattern lists checked (each must compile and must not
    match an empty line) so that a bad pattern stops the run at load with its key and text."""
    from .text.patterns import PatternError, compile_patterns

    data = _check_keys(path, where, data, {f.name for f in dataclasses.fields(InputOptions)})
    plain = {k: v for k, v in data.items() if k not in _PATTERN_KEYS}
    built = _build(path, where, plain, InputOptions, InputOptions(), config_dir)
    changes: dict[str, Any] = {}
    for key in ("chrome_patterns", "date_patterns"):
        if key in data:
            value = data[key]
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list):
                raise ConfigError(path, f"{where}.{key}", f"expected a list of regular expressions, got {value!r}",
                                  "write a YAML list of quoted patterns, e.g. ['^تابعونا على']")
            changes[key] = tuple(value)
    if "meta_patterns" in data:
        value = data["meta_patterns"]
        if not isinstance(value, dict):
            raise ConfigError(path, f"{where}.meta_patterns", f"expected a mapping of role to patterns, got {value!r}",
                              "write `meta_patterns: {byline: ['^مراسلنا'], agency: ['^خاص$']}`")
        pairs = []
        for role, items in value.items():
            if not isinstance(items, (list, str)):
                raise ConfigError(path, f"{where}.meta_patterns.{role}", f"expected a list of regular expressions, "
                                  f"got {items!r}", "write a YAML list of quoted patterns under the role")
            pairs += [(str(role), p) for p in ([items] if isinstance(items, str) else items)]
        changes["meta_patterns"] = tuple(pairs)
    try:
        compile_patterns(chrome=changes.get("chrome_patterns", ()), meta=changes.get("meta_patterns", ()),
                         dates=changes.get("date_patterns", ()))
    except PatternError as exc:
        raise ConfigError(path, f"{where}.{exc.key}", f"pattern {exc.pattern!r} {exc.problem}",
                          "fix the regular expression (Python syntax; quote it in single quotes in YAML) "
                          "or remove it") from exc
    return dataclasses.replace(built, **changes)


# ---------------------------------------------------------------- parsing and validation


def _check_keys(path: Path, where: str, data: Any, allowed: set[str]) -> dict:
    if not isinstance(data, dict):
        raise ConfigError(path, where, f"expected a mapping, got {type(data).__name__}",
                          "indent the settings under this key as 'key: value' lines")
    for key in data:
        if key not in allowed:
            raise ConfigError(path, f"{where}.{key}", "unknown key",
                              f"remove it or use one of: {', '.join(sorted(allowed))}")
    return data


def _typed(path: Path, where: str, value: Any, kind: type | tuple, choices: tuple = ()) -> Any:
    ok = isinstance(value, kind) and not (kind in (int, float, (int, float)) and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(path, where, f"expected {name}, got {value!r}", f"write a {name} value here")
    if choices and value not in choices:
        raise ConfigError(path, where, f"{value!r} is not one of {', '.join(choices)}",
                          f"use one of: {', '.join(choices)}")
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ConfigError(path, where, f"must not be negative, got {value}", "use 0 or a positive number")
    return value


_FIELD_TYPES = {
    "model": str, "revision": (str, type(None)), "backend": str, "device": str, "method": str,
    "max_input_tokens": int, "batch_tokens": (int, str), "max_hypotheses": (int, str), "parallel_batches": (int, str),
    "sentences": int, "compute_type": str, "threads": int,
    "num_beams": int, "max_new_tokens": int, "min_new_tokens": int, "length_penalty": float,
    "no_repeat_ngram_size": int, "max_correction_characters": int, "low_confidence": (float, int, type(None)),
    "formats": (list, str), "glossary": (str, type(None)), "max_characters": int, "min_arabic_letters": int,
    "source_lang": (str, type(None)), "target_lang": (str, type(None)), "prefix": (str, type(None)),
}
_CHOICES = {"backend": BACKENDS, "device": DEVICES, "method": SUMMARY_METHODS, "compute_type": COMPUTE_TYPES}


def _build(path: Path, where: str, data: dict, cls: type, base: Any, config_dir: Path) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    _check_keys(path, where, data, names)
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key == "generation":
            changes[key] = _build(path, f"{where}.generation", value, GenerationSettings, base.generation, config_dir)
            continue
        if key == "llm":
            changes[key] = parse_llm(value, path=path, where=f"{where}.llm", base=base.llm,
                                     role="translation" if cls is TranslationOptions else "summary")
            continue
        changes[key] = _typed(path, f"{where}.{key}", value, _FIELD_TYPES[key], _CHOICES.get(key, ()))
        if key == "low_confidence" and value is not None and (isinstance(value, bool) or not 0 < value < 1):
            raise ConfigError(path, f"{where}.{key}", f"expected a confidence between 0 and 1, got {value!r}",
                              "write e.g. 0.3 (sentences the model gave less than 30% per token are flagged), "
                              "or null to turn the flag off")
        if key == "model":
            changes[key] = _resolve_model_path(value, config_dir)
        if key == "glossary" and value:
            changes[key] = str((config_dir / Path(value).expanduser()).resolve())
        if key == "formats":
            changes[key] = parse_formats(value, f"{path}: {where}.formats")
    for key in ("max_input_tokens", "batch_tokens", "max_hypotheses", "parallel_batches", "num_beams",
                "max_new_tokens"):
        if changes.get(key) == 0:
            raise ConfigError(path, f"{where}.{key}", "must be at least 1", "use a positive number")
    for key in ("batch_tokens", "max_hypotheses", "parallel_batches"):
        if isinstance(changes.get(key), str) and changes[key] != "auto":
            raise ConfigError(path, f"{where}.{key}", f"expected a number or auto, got {changes[key]!r}",
                              "write a positive number, or auto for the device's default")
    built = dataclasses.replace(base, **changes)
    _check_llm(path, where, built)
    return built


def _check_llm(path: Path, where: str, options: Any) -> None:
    """``backend: openai`` needs ``llm.base_url``; a server URL needs ``backend: openai``."""
    if not isinstance(options, ModelOptions):
        return
    llm, backend = options.llm, options.backend
    if backend == "openai" and (llm is None or not llm.base_url):
        raise ConfigError(path, f"{where}.llm.base_url", "backend 'openai' needs the server's address",
                          "add `llm: {base_url: http://HOST:PORT/v1}` (and api_key_env if it needs a key)")
    if llm is not None and llm.base_url and backend != "openai":
        raise ConfigError(path, f"{where}.backend", f"llm.base_url is set but the backend is {backend!r}",
                          "set `backend: openai` to use the server, or remove base_url to run the model locally")
    if llm is not None and backend == "ctranslate2":
        raise ConfigError(path, f"{where}.backend", "an instruction LLM cannot run on the ctranslate2 backend here",
                          "use `backend: transformers` (a local causal model) or `backend: openai` (a server)")


def parse_formats(value: list | str, where: str) -> tuple[str, ...]:
    """``[md, html]`` or ``"md,html"`` or ``all`` -> a tuple of known formats."""
    items = value.split(",") if isinstance(value, str) else value
    formats = tuple(dict.fromkeys(str(item).strip().lower() for item in items if str(item).strip()))
    if formats == ("all",):
        return OUTPUT_FORMATS
    unknown = [f for f in formats if f not in OUTPUT_FORMATS]
    if unknown:
        raise UsageError(f"{where}: unknown output format(s) {', '.join(unknown)}",
                         f"choose from {', '.join(OUTPUT_FORMATS)} or 'all' (json is always written)")
    return formats


def _resolve_model_path(model: str, config_dir: Path) -> str:
    """A relative local folder is taken relative to the config file; hub ids stay as they are."""
    if model.startswith((".", "~", "/")):
        return str((config_dir / Path(model).expanduser()).resolve())
    return model


def _merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = (_merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict)
                       else value)
    return merged


def parse_config(data: Any, path: Path) -> Config:
    """Validate the loaded YAML document ``data`` (from ``path``) into a :class:`Config`."""
    top = _check_keys(path, "(top level)", data, {"default_profile", "profiles"})
    raw_profiles = top.get("profiles")
    if not raw_profiles:
        raise ConfigError(path, "profiles", "missing or empty", "add at least one profile under 'profiles:'")
    _check_keys(path, "profiles", raw_profiles, set(raw_profiles))
    default = top.get("default_profile", next(iter(raw_profiles)))
    _typed(path, "default_profile", default, str)

    def expand(name: str, seen: tuple[str, ...]) -> dict:
        raw = raw_profiles[name]
        where = f"profiles.{name}"
        _check_keys(path, where, raw, {"extends", "description", "translation", "summary", "output", "input",
                                        "review"})
        parent = raw.get("extends")
        if parent is None:
            return raw
        if parent not in raw_profiles or parent in seen:
            raise ConfigError(path, f"{where}.extends", f"cannot extend {parent!r}",
                              "name another existing profile, without cycles")
        return _merge(expand(parent, seen + (name,)), {k: v for k, v in raw.items() if k != "extends"})

    profiles = {}
    for name in raw_profiles:
        raw = expand(name, ())
        where = f"profiles.{name}"
        profiles[name] = Profile(
            name=name,
            description=str(raw.get("description", "")),
            translation=_build(path, f"{where}.translation", raw.get("translation", {}), TranslationOptions,
                               TranslationOptions(), path.parent),
            summary=_build(path, f"{where}.summary", raw.get("summary", {}), SummaryOptions, SummaryOptions(),
                           path.parent),
            output=_build(path, f"{where}.output", raw.get("output", {}), OutputOptions, OutputOptions(), path.parent),
            input=_build_input(path, f"{where}.input", raw.get("input", {}), path.parent),
            review=_build(path, f"{where}.review", raw.get("review", {}), ReviewOptions, ReviewOptions(), path.parent),
            source=str(path),
        )
    config = Config(path=path, default_profile=default, profiles=profiles)
    config.profile(default)  # the default must exist
    return config


def find_config(explicit: Path | None = None) -> Path:
    """``--config``, then ``$TRANSLATE_CONFIG``, then ``./models.yaml``, then the project's own."""
    candidates = [explicit] if explicit else []
    if not explicit and os.environ.get(CONFIG_ENV):
        candidates.append(Path(os.environ[CONFIG_ENV]))
    if not candidates:
        candidates += [Path.cwd() / "models.yaml", Path(__file__).resolve().parent.parent / "models.yaml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ConfigError(candidates[0], "", "configuration file not found",
                      "pass --config PATH/models.yaml (or set TRANSLATE_CONFIG), or run from the project folder")


def load_config(path: Path | None = None) -> Config:
    import yaml  # PyYAML; imported here so `import translate` stays cheap

    found = find_config(path)
    try:
        data = yaml.safe_load(found.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(found, "", f"cannot be read ({exc})",
                          "check the path and that the file is UTF-8 text") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(found, where, f"is not valid YAML ({getattr(exc, 'problem', exc)})",
                          "fix the YAML syntax (indentation with spaces, 'key: value')") from exc
    return parse_config(data, found.resolve())


def settings_record(profile: Profile) -> dict:
    """The effective settings as plain data: what provenance and the re-run check compare."""
    return {"profile": profile.name, "translation": dataclasses.asdict(profile.translation),
            "summary": dataclasses.asdict(profile.summary), "output": dataclasses.asdict(profile.output),
            "input": dataclasses.asdict(profile.input)}


def with_overrides(profile: Profile, *, translation_model: str | None = None, summary_model: str | None = None,
                   summary: str | None = None, device: str | None = None, formats: str | None = None,
                   glossary: Path | None = None) -> Profile:
    """The profile with command-line overrides applied, validated like the models.yaml values."""
    if summary is not None and summary not in SUMMARY_METHODS:
        raise UsageError(f"--summary {summary!r} is not a summary method", f"use one of: {', '.join(SUMMARY_METHODS)}")
    if device is not None and device not in DEVICES:
        raise UsageError(f"--device {device!r} is not a device", f"use one of: {', '.join(DEVICES)}")
    translation, summ = profile.translation, profile.summary
    if translation_model:
        translation = dataclasses.replace(translation, model=_resolve_model_path(translation_model, Path.cwd()),
                                          revision=None)
    if summary_model:
        summ = dataclasses.replace(summ, model=_resolve_model_path(summary_model, Path.cwd()), revision=None)
    if summary:
        summ = dataclasses.replace(summ, method=summary)
    if device:
        translation = dataclasses.replace(translation, device=device)
        summ = dataclasses.replace(summ, device=device)
    output = profile.output
    if formats:
        output = dataclasses.replace(output, formats=parse_formats(formats, "--formats"))
    if glossary:
        output = dataclasses.replace(output, glossary=str(glossary.resolve()))
    return dataclasses.replace(profile, translation=translation, summary=summ, output=output)
