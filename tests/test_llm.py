"""Instruction LLMs as translator and summarizer (translate.backends.llm, translate.stages.cited).

The server tests run a real ``transformers serve`` on localhost with the tiny random causal model
of ``tiny_llm.py``, behind a fault-injecting proxy (``llm_server.py``) that rewrites the model's
replies (a random model never writes a parseable one) or answers 429/500/401 instead of forwarding:
every request goes over HTTP to the proxy and from it to the server; nothing is mocked.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import uuid
from pathlib import Path

import pytest

from tests.support import FULL, required
from tests.support.llm_server import (
    FaultProxy,
    adding,
    cite_first_ids,
    dropping,
    fake_translation,
    free_port,
    merging,
    numbered_sentences,
    serving_missing,
    start_server,
    well_formed,
)
from translate.backends.base import Context
from translate.backends.llm import LLMSettings, parse_llm
from translate.backends.llm.replies import is_refusal, parse_cited, parse_numbered
from translate.config import Profile, SummaryOptions, TranslationOptions
from translate.errors import ConfigError, LLMServerError, UsageError

MISSING = serving_missing()
# the tests that need the server skip when it is missing, except in CI, where ``server`` fails them
needs_server = pytest.mark.skipif(bool(MISSING) and not FULL, reason=f"no LLM server for the tests: {MISSING}")
KEY_ENV = "TRANSLATE_TEST_LLM_KEY"
KEY = f"sk-test-{uuid.uuid4().hex}"
TITLE = "وزير الخارجية الروسي يزور موسكو"
PARAGRAPHS = [("وزير الخارجية الروسي أكد التعاون الاقتصادي في موسكو.", "الرئيس زار دوشنبه يوم الثلاثاء.",
               "المتحدثة الرسمية أعلنت الاتفاقية الجديدة."),
              ("رئيس الوزراء بحث القضايا الأمنية في أستانا.",)]


def contexts() -> dict[str, Context]:
    found = {}
    for i, paragraph in enumerate(PARAGRAPHS):
        previous = " ".join(PARAGRAPHS[i - 1]) if i else None
        for text in paragraph:
            found[text] = Context(paragraph=paragraph, title=TITLE, previous=previous)
    return found


# ------------------------------------------------------------------------ replies (no server)

def test_numbered_replies_parse_strictly():
    chatter = "Sure! Here is the translation:\n\n```\n1. One.\n2. **Two**\n   continued.\n```\n\nI hope this helps!"
    assert parse_numbered(chatter, 2) == ["One.", "Two continued."]
    assert parse_numbered("<think>1. no</think>\n١. One\n٢) Two", 2) == ["One", "Two"]
    assert parse_numbered("1. One\n3. Three", 2) is None  # missing
    assert parse_numbered("1. One Two", 2) is None  # merged
    assert parse_numbered("1. One\n2. Two\n3. Three", 2) is None  # extra
    assert parse_numbered("2. Two\n1. One", 2) is None  # order
    assert parse_numbered("1. One\n2. ", 2) is None  # empty item
    assert parse_numbered("Here is the translation: The minister arrived.", 1) == ["The minister arrived."]
    assert parse_numbered("Translation:\nOf course, the minister said no.", 1) == ["Of course, the minister said no."]
    assert parse_numbered("1. One\n2. Two", 1) is None


def test_refusals_are_recognized_but_not_quotes():
    assert is_refusal("I'm sorry, but I can't help with that.")
    assert is_refusal("I cannot translate this content.")
    assert not is_refusal("\"I cannot help but admire him,\" the minister said.")
    assert not is_refusal("Unfortunately, the talks did not help.")
    assert not is_refusal("Sorry state of the economy, the report says.")


def test_citations_parse_and_unknown_ids_are_set_apart():
    reply = ("Here is a summary:\n1. The minister visited Moscow [p1, p9].\n2. Talks were held [3]. Trade grew "
             "(P2-P4).\n3. Nothing cited here.")
    cited = parse_cited(reply, known={"p1", "p2", "p3", "p4"})
    assert [(c.text, c.ids, c.unknown) for c in cited] == [
        ("The minister visited Moscow.", ("p1",), ("p9",)), ("Talks were held.", ("p3",), ()),
        ("Trade grew.", ("p2", "p3", "p4"), ()), ("Nothing cited here.", (), ())]


# ------------------------------------------------------------------------ settings (no server)

def test_llm_settings_validation_names_the_key_and_never_repeats_a_pasted_key():
    settings = parse_llm({"base_url": "http://127.0.0.1:8000/v1", "api_key_env": "MY_KEY", "temperature": 0,
                          "user_prompt": "{context}{count}: {sentences}"}, path="m.yaml", where="t.llm",
                         role="translation")
    assert (settings.temperature, settings.api_key_env, settings.max_tokens) == (0.0, "MY_KEY", 1024)
    cases = [({"api_key": "sk-1"}, "t.llm.api_key: an API key must not be written in models.yaml"),
             ({"api_key_env": "sk-abc-123-secret"}, "t.llm.api_key_env: is not the name of an environment variable"),
             ({"base_url": "http://user:pw@host/v1"}, "t.llm.base_url: must not carry credentials"),
             ({"user_prompt": "{text}"}, "t.llm.user_prompt: unknown placeholder(s) ['text']"),
             ({"user_prompt": "{count} sentences"}, "t.llm.user_prompt: misses {sentences}"),
             ({"context_window": 512, "max_tokens": 600}, "t.llm.context_window: 512 leaves no room"),
             ({"temperature": 3}, "t.llm.temperature: must be between 0 and 2, got 3"),
             ({"retries": "3"}, "t.llm.retries: expected int, got '3'"),
             ({"colour": 1}, "t.llm.colour: unknown key")]
    for data, message in cases:
        with pytest.raises(ConfigError) as caught:
            parse_llm(data, path="m.yaml", where="t.llm", role="translation")
        assert str(caught.value).startswith(f"m.yaml: {message}"), str(caught.value)
        assert "sk-" not in str(caught.value)
    with pytest.raises(ConfigError, match=r"misses \{paragraphs\}"):
        parse_llm({"user_prompt": "In {count} sentences"}, path="m.yaml", where="s.llm", role="summary")


# ------------------------------------------------------------------------ the server

@pytest.fixture(scope="session")
def tiny_llm(tmp_path_factory) -> Path:
    from tests.support.tiny_llm import build_tiny_llm

    return build_tiny_llm(tmp_path_factory.mktemp("tiny-llm") / "model")


@pytest.fixture(scope="session")
def server(tiny_llm, tmp_path_factory):
    if MISSING:
        required(MISSING, "add the extra: pip install -e '.[test]'")
    started = start_server(tiny_llm, log=tmp_path_factory.mktemp("serve") / "serve.log")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def session_proxy(server):
    proxy = FaultProxy(upstream=server.url.removesuffix("/v1")).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def proxy(session_proxy, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    session_proxy.reset()
    return session_proxy


def backend(proxy, tiny_llm, *, role="translation", model=None, **changes):
    from translate.backends.llm.openai import OpenAIBackend

    llm = LLMSettings(**{"base_url": proxy.url, "api_key_env": KEY_ENV, "server_model": str(tiny_llm),
                         "max_tokens": 256, "backoff_s": 0.05, "retries": 3, "timeout_s": 60, **changes})
    options = (TranslationOptions(model=model or str(tiny_llm), device="cpu") if role == "translation" else
               SummaryOptions(model=model or str(tiny_llm), device="cpu", sentences=3))
    return OpenAIBackend(options, llm, role=role)


@needs_server
def test_alignment_kept_when_the_reply_parses(proxy, tiny_llm):
    proxy.reset(rewrite=well_formed)
    llm = backend(proxy, tiny_llm)
    batch = [text for paragraph in PARAGRAPHS for text in paragraph][::-1]  # any order in, same order out
    outputs = llm.translate(batch, context=contexts())
    assert [o.text for o in outputs] == [fake_translation(text) for text in batch]
    assert [(o.notes, o.hit_limit, o.error) for o in outputs] == [((), False, None)] * 4
    posts = sorted(proxy.posts(), key=lambda p: len(numbered_sentences(p.body)), reverse=True)  # 2 in flight
    assert [numbered_sentences(p.body) for p in posts] == [list(PARAGRAPHS[0]), list(PARAGRAPHS[1])]
    users = [p.body["messages"][1]["content"] for p in posts]
    assert all(f"Article title: {TITLE}" in user for user in users)
    assert "Previous paragraph" not in users[0] and f"Previous paragraph: {' '.join(PARAGRAPHS[0])}" in users[1]
    assert [(p.body["model"], p.body["temperature"], p.body["seed"], p.body["max_tokens"]) for p in posts] == [
        (str(tiny_llm), 0.0, 0, 256)] * 2
    assert all(p.authorization == f"Bearer {KEY}" and p.model_reply for p in posts)  # the real model answered


@needs_server
@pytest.mark.parametrize("fault", ["missing", "merged", "extra"])
def test_unparseable_reply_is_retried_sentence_by_sentence(proxy, tiny_llm, fault):
    proxy.reset(rewrite={"missing": dropping(2), "merged": merging, "extra": adding}[fault])
    llm = backend(proxy, tiny_llm)
    batch = [text for paragraph in PARAGRAPHS for text in paragraph]
    outputs = llm.translate(batch, context=contexts())
    assert [o.text for o in outputs] == [fake_translation(text) for text in batch]
    assert [o.notes for o in outputs] == [("retried",)] * 3 + [()]
    counts = [len(numbered_sentences(p.body)) for p in proxy.posts()]
    assert (sorted(counts[:2]), counts[2:]) == ([1, 3], [1, 1, 1])  # two paragraphs in flight, then the retries
    retry = proxy.posts()[2].body["messages"][1]["content"]  # a retry keeps the context, with its paragraph
    assert f"Article title: {TITLE}" in retry and f"from this paragraph: {' '.join(PARAGRAPHS[0])}" in retry
    assert llm.retried == 3


@needs_server
def test_refusal_is_flagged_not_used_as_a_translation(proxy, tiny_llm):
    refused = PARAGRAPHS[0][1]

    def rewrite(body, content):
        return "I'm sorry, but I can't help with that." if refused in numbered_sentences(body) else \
            well_formed(body, content)

    proxy.reset(rewrite=rewrite)
    outputs = backend(proxy, tiny_llm).translate(list(PARAGRAPHS[0]), context=contexts())
    assert [(o.text, o.notes) for o in outputs] == [
        (fake_translation(PARAGRAPHS[0][0]), ("retried",)), ("", ("retried", "refusal")),
        (fake_translation(PARAGRAPHS[0][2]), ("retried",))]


@needs_server
def test_429_500_and_dropped_connections_are_retried_with_backoff(proxy, tiny_llm, caplog):
    proxy.reset(rewrite=well_formed, faults=[(429, {"Retry-After": "0.4"}), (0, {}), (500, {})])
    llm = backend(proxy, tiny_llm, backoff_s=0.05, retries=2)  # 429 says "overloaded": it spends no retry
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG, logger="translate"):
        outputs = llm.translate(list(PARAGRAPHS[1]), context=contexts())
    elapsed = time.monotonic() - started
    assert [o.text for o in outputs] == [fake_translation(PARAGRAPHS[1][0])]
    assert [p.status for p in proxy.posts()] == [429, 0, 500, 200]
    assert elapsed >= 0.4 + 0.05 + 0.1  # Retry-After, then 0.05 doubled once
    failed = [r for r in caplog.records if "a request failed" in r.getMessage()]
    assert [(r.levelno, r.getMessage().split(": a request failed ")[1]) for r in failed] == [
        (logging.WARNING, "(HTTP 429: injected 429); requests in flight now at most 2, retrying in 0.4 s"),
        (logging.DEBUG, "(Remote end closed connection without response); retry 1 of 2 in 0.1 s"),
        (logging.DEBUG, "(HTTP 500: injected 500); retry 2 of 2 in 0.1 s")]  # one warning a minute at most
    assert f"LLM server at {proxy.url}: 3 failed attempt(s) retried in this batch (last: HTTP 500: injected 500)" \
        in caplog.text


@needs_server
def test_a_server_that_keeps_failing_stops_the_run(proxy, tiny_llm):
    proxy.reset(faults=[(503, {})] * 3)  # 503 is "overloaded": with one request in flight already, a failure
    with pytest.raises(LLMServerError) as caught:
        backend(proxy, tiny_llm, retries=2, backoff_s=0.01, max_in_flight=1).translate(list(PARAGRAPHS[1]),
                                                                                        context=contexts())
    assert isinstance(caught.value, UsageError)
    assert "failed 3 time(s) in a row (last: HTTP 503: injected 503)" in caught.value.reason
    assert len(proxy.posts()) == 3


@needs_server
def test_a_rejected_request_fails_only_its_own_sentence(proxy, tiny_llm):
    bad = PARAGRAPHS[0][2]
    proxy.reset(rewrite=well_formed, fault_when=lambda body: 400 if bad in json.dumps(body, ensure_ascii=False)
                .split("Translate the")[-1] else None)
    outputs = backend(proxy, tiny_llm).translate(list(PARAGRAPHS[0]), context=contexts())
    assert [(o.text, o.notes) for o in outputs[:2]] == [(fake_translation(t), ("retried",)) for t in PARAGRAPHS[0][:2]]
    assert outputs[2].text == "" and "rejected a request (HTTP 400: injected 400)" in outputs[2].error


def test_unreachable_server_is_refused_before_any_work(tmp_path, articles):
    from translate.backends.llm.openai import OpenAIBackend
    from translate.runners import run_batch
    from translate.runners.plan import RunOptions

    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = LLMSettings(base_url=url, server_model="m")
    with pytest.raises(LLMServerError) as caught:
        OpenAIBackend(TranslationOptions(model="org/remote-llm"), llm, role="translation")
    assert isinstance(caught.value, UsageError)
    assert caught.value.reason.startswith(f"the LLM server at {url} cannot be reached (")
    assert "translation.llm.base_url" in caught.value.hint
    profile = Profile("llm", "", TranslationOptions(model="org/remote-llm"), SummaryOptions(method="none"))
    with pytest.raises(LLMServerError):
        run_batch(profile=profile, run=RunOptions(input=articles, out=tmp_path / "out", reuse_translations=False),
                  loader=lambda options, role: OpenAIBackend(options, llm, role=role))
    assert not list((tmp_path / "out").glob("article*"))


@needs_server
def test_unknown_model_and_refused_key_are_refused_before_any_request(proxy, tiny_llm):
    with pytest.raises(LLMServerError) as caught:
        backend(proxy, tiny_llm, server_model="no-such-model")
    assert caught.value.reason.endswith(f"does not serve the model 'no-such-model' (it serves: {str(tiny_llm)!r})")
    proxy.reset(require_key="another-key")
    with pytest.raises(LLMServerError) as caught:
        backend(proxy, tiny_llm)
    assert "refused the request (HTTP 401" in caught.value.reason and KEY_ENV in caught.value.hint
    assert KEY not in str(caught.value)
    assert [(s.method, s.path) for s in proxy.seen] == [("GET", "/v1/models")]


@needs_server
def test_tokenizer_and_context_window_local_or_conservative(proxy, tiny_llm):
    local = backend(proxy, tiny_llm)
    assert (local.context_window, local.provenance()["tokenizer"]) == (2048, "model")
    assert local.count_tokens(["الرئيس زار موسكو."]) == [len(local.tokenizer("الرئيس زار موسكو.")["input_ids"])]
    remote = backend(proxy, tiny_llm, model="org/not-here-llm")
    assert (remote.context_window, remote.provenance()["tokenizer"]) == (4096, "estimate (UTF-8 bytes / 2)")
    text = "الرئيس زار موسكو. The president"
    assert remote.count_tokens([text]) == [math.ceil(len(text.encode()) / 2)] == [23]
    assert local.count_tokens([text])[0] < remote.count_tokens([text])[0]


@needs_server
def test_settings_key_on_prompt_and_decoding_never_on_the_key(proxy, tiny_llm):
    base = backend(proxy, tiny_llm).settings()
    assert base["server"] == proxy.url and base["server_model"] == str(tiny_llm)
    assert base["decoding"] == {"temperature": 0.0, "seed": 0, "max_tokens": 256}
    for change in ({"temperature": 0.5}, {"seed": 7}, {"system_prompt": "Translate."},
                   {"user_prompt": "Please: {sentences}"}):
        assert backend(proxy, tiny_llm, **change).settings() != base, change
    assert backend(proxy, tiny_llm, retries=1, timeout_s=5).settings() == base  # how, not what
    assert KEY not in json.dumps(base) and KEY_ENV not in json.dumps(base)


@needs_server
def test_batch_writes_aligned_records_and_never_the_api_key(proxy, tiny_llm, articles, tmp_path, caplog):
    from translate.backends.llm.openai import OpenAIBackend
    from translate.runners import run_batch
    from translate.runners.plan import RunOptions

    proxy.reset(rewrite=well_formed)
    llm = LLMSettings(base_url=proxy.url, api_key_env=KEY_ENV, server_model=str(tiny_llm), max_tokens=256)
    profile = Profile("llm", "", TranslationOptions(model=str(tiny_llm), device="cpu", max_input_tokens=64),
                      SummaryOptions(method="extractive", sentences=2))
    run = RunOptions(input=articles, out=tmp_path / "out", memory_path=tmp_path / "out" / "memory.sqlite")
    with caplog.at_level(logging.DEBUG):
        report = run_batch(profile=profile, run=run,
                           loader=lambda options, role: OpenAIBackend(options, llm, role=role))
    assert (len(report.done), report.failed) == (3, {})
    record = json.loads((tmp_path / "out" / "article_full.json").read_text(encoding="utf-8"))
    sentences = [s for p in record["paragraphs"] for s in p["sentences"] if not s.get("copied")]
    assert sentences and all(re.fullmatch(r"EN<.+>", s["target"]) for s in sentences)
    assert record["provenance"]["translation"]["backend"] == "openai"
    assert all(p.authorization == f"Bearer {KEY}" for p in proxy.posts())  # the key was used...
    written = [path for path in (tmp_path / "out").rglob("*") if path.is_file()]
    assert len(written) >= 10
    for path in written:  # ...and is in no file written, nor in the logs
        assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in caplog.text and caplog.text


# ------------------------------------------------------------------------ summaries that cite

@needs_server
def test_cited_summary_checks_ids_against_the_article(proxy, tiny_llm):
    from translate.stages.cited import cited_summary
    from translate.stages.summarize import Summary

    proxy.reset(rewrite=cite_first_ids)
    summarizer = backend(proxy, tiny_llm, role="summary")
    paragraphs = [("p2", "The minister arrived in Moscow."), ("p3", ""), ("p5", "Talks were held on trade.")]
    summary = cited_summary(paragraphs, summarizer, sentences=3, model="tiny")
    assert summary.sentences == (
        {"text": "Point 1 from p2.", "paragraph_ids": ["p2"], "unknown_citations": ["p99"]},
        {"text": "Point 2 from p5.", "paragraph_ids": ["p5"]})
    assert summary.text == "Point 1 from p2. Point 2 from p5."
    (post,) = proxy.posts()
    assert post.body["messages"][1]["content"].endswith(
        "[p2] The minister arrived in Moscow.\n\n[p5] Talks were held on trade.")
    assert "at most 3 English sentences" in post.body["messages"][1]["content"]
    proxy.reset(rewrite=lambda body, content: "I'm sorry, but I can't help with that.")
    fallen = cited_summary(paragraphs, summarizer, sentences=3, fallback=lambda: Summary("x", "extractive", None, ()))
    assert (fallen.method, fallen.fallback_from, fallen.reason) == (
        "extractive", "abstractive", "round 1: the summarizer gave no sentences")


@needs_server
def test_long_article_summarized_hierarchically_within_the_window(proxy, tiny_llm):
    from translate.stages.cited import cited_summary

    proxy.reset(rewrite=cite_first_ids)
    summarizer = backend(proxy, tiny_llm, role="summary", context_window=700, max_tokens=64)
    paragraphs = [(f"p{i}", f"Paragraph {i}: the council of foreign ministers discussed mutual trade and energy "
                            f"and gas in the capital on {i} december, said reuters.") for i in range(1, 15)]
    summary = cited_summary(paragraphs, summarizer, sentences=3)
    posts = proxy.posts()
    assert len(posts) >= 3  # several chunks, then their summaries summarized
    for post in posts:  # every request within the context window, reply budget included
        messages = post.body["messages"]
        prompt = sum(summarizer.count_tokens([m["content"] for m in messages])) + 8 * len(messages)
        assert prompt + 64 <= 700
    first_round = "\n".join(p.body["messages"][1]["content"] for p in posts[:-1])
    for pid, text in paragraphs:  # never truncated: each paragraph reached the model whole
        assert f"[{pid}] {text}" in first_round or f"[{pid}]" in posts[-1].body["messages"][1]["content"]
    final_ids = [label.split(",")[0] for label in re.findall(r"^\[([^\]]+)\] ", posts[-1].body["messages"][1]
                                                             ["content"], re.M)][:3]
    assert [s["paragraph_ids"] for s in summary.sentences] == [[pid] for pid in final_ids]
    assert summary.sentences[0]["unknown_citations"] == ["p99"]


# ------------------------------------------------------------------------ the local causal backend

@pytest.fixture(scope="session")
def causal(tiny_llm):
    from translate.backends.llm.causal import CausalLMBackend

    return CausalLMBackend(TranslationOptions(model=str(tiny_llm), device="cpu"),
                           LLMSettings(max_tokens=96, max_in_flight=3), role="translation")


def test_causal_backend_outputs_one_per_input_deterministically(causal):
    batch = [text for paragraph in PARAGRAPHS for text in paragraph]
    first = causal.translate(batch, context=contexts())
    assert len(first) == 4 and all(o.text and o.error is None for o in first)
    # random weights never write a parseable numbered reply: the 3-sentence paragraph is retried one by one
    assert [o.notes for o in first] == [("retried",)] * 3 + [()]
    assert [o.hit_limit for o in first] == [True] * 4  # no end token: replies stop at max_tokens
    again = causal.translate(batch[::-1], context=contexts())[::-1]  # other batches, other left padding
    assert again == first
    assert causal.provenance()["architecture"] == "Qwen2ForCausalLM" and causal.settings()["backend"] == \
        "transformers-causal"


def test_causal_backend_with_broken_weights_is_a_model_unavailable_error(tiny_llm, tmp_path):
    import shutil

    from translate.backends.llm.causal import CausalLMBackend
    from translate.errors import ModelUnavailableError

    folder = shutil.copytree(tiny_llm, tmp_path / "broken")
    for weights in folder.glob("*.safetensors"):
        weights.write_bytes(b"not weights")
    llm = CausalLMBackend(TranslationOptions(model=str(folder), device="cpu"), LLMSettings(max_tokens=32),
                          role="translation")  # tokenizer and config load; the weights on the first request
    with pytest.raises(ModelUnavailableError) as caught:
        llm.translate([PARAGRAPHS[1][0]])
    assert "could not be loaded" in caught.value.reason and "re-download" in caught.value.hint


@needs_server
def test_causal_backend_answers_like_the_server_for_the_same_model(proxy, tiny_llm, causal):
    proxy.reset(cap_tokens=None)
    served = backend(proxy, tiny_llm, max_tokens=96)
    sentence = PARAGRAPHS[1][0]
    assert served.translate([sentence])[0].text == causal.translate([sentence])[0].text != ""


# ------------------------------------------------------------------------ through models.yaml and the CLI

def translate_or_cite(body: dict, content: str) -> str:
    """Translation requests get numbered fake translations; summary requests cite their passages."""
    return well_formed(body, content) if numbered_sentences(body) else cite_first_ids(body, content)


@needs_server
def test_a_profile_pointing_at_a_server_writes_aligned_records_and_cited_summaries(proxy, tiny_llm, articles,
                                                                                     tmp_path):
    from tests.support.helpers import load, run_cli

    proxy.reset(rewrite=translate_or_cite)
    config = tmp_path / "models.yaml"
    llm = f'{{base_url: "{proxy.url}", api_key_env: {KEY_ENV}, max_tokens: 256, backoff_s: 0.05}}'
    config.write_text(
        "profiles:\n  server:\n"
        f"    translation: {{model: {tiny_llm}, backend: openai, max_input_tokens: 64, llm: {llm}}}\n"
        f"    summary: {{method: abstractive, model: {tiny_llm}, backend: openai, max_input_tokens: 1500, sentences: 2,"
        f" llm: {llm}}}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("batch", articles, "--out", out, "--config", config)
    assert result.exit_code == 0, result.output
    record = load(out / "article_full.json")
    sentences = [s for p in record["paragraphs"] for s in p["sentences"] if not s.get("copied")]
    assert all(s["target"] == fake_translation(s["source"].strip()) or s["target"].startswith("EN<")
               for s in sentences)
    body_ids = {p["id"] for p in record["paragraphs"] if p["kind"] == "body"}
    summary = record["summary"]
    assert summary["method"] == "abstractive" and summary["sentences"]
    assert all(set(s["paragraph_ids"]) <= body_ids for s in summary["sentences"])  # from the citations
    assert summary["sentences"][0]["unknown_citations"] == ["p99"]
    assert record["provenance"]["translation"]["backend"] == "openai"
    for path in out.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    translations = len([p for p in proxy.posts() if numbered_sentences(p.body)])
    assert translations > 0
    again = run_cli("batch", articles, "--out", out, "--config", config, "--summary", "none")  # redone: settings
    assert again.exit_code == 0 and "3 done" in again.output
    assert len([p for p in proxy.posts() if numbered_sentences(p.body)]) == translations  # all from the memory
    listed = run_cli("models", "list", "--config", config)
    assert f"served by {proxy.url}" in listed.stdout


def test_an_unreachable_server_in_models_yaml_exits_2_before_any_article(tmp_path, articles):
    from tests.support.helpers import run_cli

    config = tmp_path / "models.yaml"
    config.write_text("profiles:\n  server:\n    translation: {model: org/some-llm, backend: openai, "
                      f"llm: {{base_url: \"http://127.0.0.1:{free_port()}/v1\"}}}}\n"
                      "    summary: {method: none}\n", encoding="utf-8")
    result = run_cli("batch", articles, "--out", tmp_path / "out", "--config", config)
    assert result.exit_code == 2 and result.output.count("error:") == 1 and "cannot be reached" in result.output
    assert not list((tmp_path / "out").glob("article*"))


def test_backend_openai_without_a_server_address_is_a_config_error(tmp_path):
    from tests.support.helpers import run_cli

    config = tmp_path / "models.yaml"
    config.write_text("profiles:\n  p:\n    translation: {model: org/llm, backend: openai}\n", encoding="utf-8")
    result = run_cli("models", "list", "--config", config)
    assert result.exit_code == 2 and "translation.llm.base_url" in result.output and "fix:" in result.output
