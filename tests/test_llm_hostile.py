"""The ``openai`` backend against servers that misbehave: drip, flood, echo the API key, queue,
forget or misstate their window, get overloaded, die mid-batch (issue 18).

Every server here is the test's own (``llm_server.ScriptedServer``: ``http.server`` in a thread on
127.0.0.1, no model), so these run in seconds without ``transformers serve``. Time bounds are
generous (a 2 s deadline must end well before 10 s): they test that a deadline exists, not its
precision.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid

import pytest

from tests.support.llm_server import ScriptedServer, completion, drip, flood, numbered_sentences, send, translated
from translate.backends.base import Context
from translate.backends.llm import LLMSettings, parse_llm, redact
from translate.backends.llm.redaction import shorten
from translate.config import TranslationOptions
from translate.errors import LLMContextError, LLMServerError, UsageError

KEY_ENV = "TRANSLATE_TEST_HOSTILE_KEY"
KEY = f"sk-hostile-{uuid.uuid4().hex}"
TITLE = "عنوان المقال"
PARAGRAPHS = [("الوزير زار موسكو يوم الثلاثاء.", "المحادثات تناولت التجارة."),
              ("الرئيس أعلن الاتفاق الجديد.",),
              ("المتحدثة أكدت الموعد.", "الاجتماع المقبل في أستانا.")]
SENTENCES = [s for p in PARAGRAPHS for s in p]


def contexts() -> dict[str, Context]:
    found = {}
    for i, paragraph in enumerate(PARAGRAPHS):
        for text in paragraph:
            found[text] = Context(paragraph=paragraph, title=TITLE, previous=" ".join(PARAGRAPHS[i - 1]) if i else None)
    return found


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    started = ScriptedServer().start()
    yield started
    started.stop()


def backend(server, **changes):
    from translate.backends.llm.openai import OpenAIBackend

    llm = LLMSettings(**{"base_url": server.url, "api_key_env": KEY_ENV, "server_model": server.model,
                         "max_tokens": 256, "backoff_s": 0.01, "retries": 2, "timeout_s": 30, **changes})
    return OpenAIBackend(TranslationOptions(model="org/not-here-llm"), llm, role="translation")


def echo_headers(status: int, message: str = "bad request"):
    """An answer whose error body repeats the request's headers (as some proxies and debug servers do)."""
    def answer(call):
        return status, {"error": {"message": f"{message}; request headers: {json.dumps(call.headers)}",
                                  "headers": call.headers}}
    return answer


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "a request failed" in
            r.getMessage()]


# ------------------------------------------------------------------------ redaction

def test_redact_removes_keys_and_credential_headers_in_any_shape():
    key = "sk-abc-123456789"
    texts = [f"Authorization: Bearer {key}", json.dumps({"Authorization": f"Bearer {key}", "api-key": key}),
             str({"authorization": f"Bearer {key}"}), f"x-api-key={key}; next", f"the key {key} was refused",
             "proxy-authorization: Basic dXNlcjpwYXNzd29yZA=="]
    for text in texts:
        cleaned = redact(text, [key])
        assert key not in cleaned and "[redacted]" in cleaned, cleaned
    assert "dXNlcjpwYXNzd29yZA" not in redact(texts[-1], [])
    assert redact("Authorization required; model not found", [key, None, ""]) == \
        "Authorization required; model not found"
    assert shorten("a  b\n" + "c" * 400, 20) == "a b " + "c" * 15 + "…"


# ------------------------------------------------------------------------ deadlines

def test_a_server_that_drips_is_abandoned_at_the_deadline(server):
    server.chat = lambda call: drip(server, call, every=0.5)
    llm = backend(server, timeout_s=2, retries=0)
    started = time.monotonic()
    with pytest.raises(LLMServerError) as caught:
        llm.translate([SENTENCES[0]])
    assert time.monotonic() - started < 10
    assert "llm.timeout_s" in caught.value.reason and len(server.chats()) == 1
    assert 0 < server.sent < 20  # it began dripping and was left after about 2 s (4 bytes)


def test_a_server_that_never_answers_is_abandoned_at_the_queue_deadline(server):
    server.chat = lambda call: server.stopping.wait(60) and None
    llm = backend(server, queue_timeout_s=1.5, retries=1)
    started = time.monotonic()
    with pytest.raises(LLMServerError) as caught:
        llm.translate([SENTENCES[0]])
    assert time.monotonic() - started < 10
    assert "llm.queue_timeout_s" in caught.value.reason and len(server.chats()) == 2


def test_time_in_the_servers_queue_does_not_count_against_timeout_s(server):
    def slow(call):  # a server answering one request at a time: the reply begins after 2.5 s
        time.sleep(2.5)
        return translated(call)

    server.chat = slow
    outputs = backend(server, timeout_s=1, queue_timeout_s=30, retries=0).translate([SENTENCES[0]])
    assert outputs[0].text == f"EN<{SENTENCES[0]}>" and len(server.chats()) == 1


# ------------------------------------------------------------------------ size cap

@pytest.mark.parametrize("announce", [True, False])
def test_a_flood_is_an_error_for_that_sentence_never_read_whole(server, announce):
    server.chat = lambda call: flood(server, call, announce=announce)
    llm = backend(server)
    kept = []
    llm.on_output = lambda text, output: kept.append(text)
    started = time.monotonic()
    outputs = llm.translate([SENTENCES[2]], context=contexts())
    assert time.monotonic() - started < 10
    assert outputs[0].text == "" and "not read further" in outputs[0].error and "max_tokens 256" in outputs[0].error
    assert kept == [] and len(server.chats()) == 1  # no retry of a flood: it is not a transient failure
    assert server.sent < 20 * 1024 * 1024  # the 50 MB were never all sent, let alone read


def test_a_flood_in_a_paragraph_fails_its_sentences_and_keeps_the_others(server):
    def answer(call):
        if any("التجارة" in sentence for sentence in numbered_sentences(call.body)):
            return flood(server, call)
        return translated(call)

    server.chat = answer
    outputs = backend(server).translate(SENTENCES, context=contexts())
    assert [bool(o.error) for o in outputs] == [False, True, False, False, False]
    assert outputs[0].text == f"EN<{SENTENCES[0]}>" and outputs[1].text == ""


# ------------------------------------------------------------------------ the key never leaks

def test_the_key_echoed_by_the_server_appears_in_no_message_log_or_output(server, caplog):
    caplog.set_level(logging.DEBUG, logger="translate")
    raised: list[str] = []
    server.chat = echo_headers(400)
    outputs = backend(server).translate(SENTENCES[:2], context=contexts())
    assert all(o.error and "HTTP 400: bad request; request headers:" in o.error for o in outputs)
    assert all(KEY not in o.error and KEY not in " ".join(o.notes) for o in outputs)
    for status, error in ((500, LLMServerError), (401, LLMServerError), (400, LLMContextError)):
        message = "maximum context length is 512 tokens" if error is LLMContextError else "nope"
        server.chat = echo_headers(status, message)
        with pytest.raises(error) as caught:
            backend(server, retries=1, max_in_flight=1).translate([SENTENCES[2]])
        raised.append(str(caught.value))
    original = server._get

    def models_refused(handler):  # GET /models answers 401 with the headers
        if handler.path == "/v1/models":
            return send(handler, 401, {"error": {"message": f"invalid key in {dict(handler.headers.items())}"}})
        return original(handler)

    server._get = models_refused
    with pytest.raises(LLMServerError) as caught:
        backend(server)
    raised.append(str(caught.value))
    assert all(c.headers.get("Authorization") == f"Bearer {KEY}" for c in server.calls)  # the key was sent...
    for text in raised:  # ...and is in no exception, no log line
        assert KEY not in text, text
    assert "[redacted]" in raised[3]
    assert "HTTP 500: nope" in raised[0] and "HTTP 401: nope" in raised[1] and "invalid key" in raised[3]
    assert caplog.text and KEY not in caplog.text


def test_the_servers_own_words_are_kept_and_cut_to_one_line(server):
    server.chat = lambda call: (500, {"error": {"message": "CUDA out of memory\nat layer 3 " + "x" * 2000}})
    with pytest.raises(LLMServerError) as caught:
        backend(server, retries=1, max_in_flight=1).translate([SENTENCES[0]])
    reason = caught.value.reason
    assert "(last: HTTP 500: CUDA out of memory at layer 3 xxx" in reason and "\n" not in reason
    assert len(reason) < 600


# ------------------------------------------------------------------------ replies handed on as they arrive

def test_each_reply_is_handed_on_as_it_is_parsed_not_refusals_or_failures(server):
    first_stored = threading.Event()
    waited: list[bool] = []

    def answer(call):
        sentences = numbered_sentences(call.body)
        if PARAGRAPHS[2][0] in sentences:  # answered only once the first reply was handed on
            waited.append(first_stored.wait(10))
        if PARAGRAPHS[1][0] in sentences:
            return 200, completion("I'm sorry, but I can't help with that.")
        if PARAGRAPHS[0][0] in sentences:
            return translated(call)
        return 400, {"error": {"message": "rejected"}}

    server.chat = answer
    llm = backend(server, max_in_flight=3)
    kept = []

    def on_output(text, output):
        kept.append((text, output.text))
        first_stored.set()

    llm.on_output = on_output
    outputs = llm.translate(SENTENCES, context=contexts())
    assert waited == [True] * len(waited) and waited  # the hook ran before the batch's last reply
    assert kept == [(s, f"EN<{s}>") for s in PARAGRAPHS[0]]
    assert [o.notes for o in outputs[2:3]] == [("refusal",)] and all(o.error for o in outputs[3:])


def test_a_server_that_dies_mid_batch_loses_no_answered_reply(server):
    answered = []

    def answer(call):
        if len(answered) >= 2:
            return 502, {"error": {"message": "upstream gone"}}
        answered.append(call)
        return translated(call)

    server.chat = answer
    memory: dict[str, str] = {}
    llm = backend(server, max_in_flight=1, retries=1)
    llm.on_output = lambda text, output: memory.__setitem__(text, output.text)
    with pytest.raises(LLMServerError):
        llm.translate(SENTENCES, context=contexts())
    assert len(memory) == sum(len(numbered_sentences(c.body)) for c in answered) >= 2
    server.chat = translated
    before = len(server.chats())
    rest = [s for s in SENTENCES if s not in memory]  # what a re-run asks: only what was never answered
    backend(server).translate(rest, context=contexts())
    asked = [s for c in server.chats()[before:] for s in numbered_sentences(c.body)]
    assert sorted(asked) == sorted(rest) and not set(asked) & set(memory)


# ------------------------------------------------------------------------ the context window

@pytest.mark.parametrize(("entry", "props", "slots", "window", "in_flight"), [
    ({"max_model_len": 1024}, None, None, 1024, 8),  # vLLM
    ({"meta": {"n_ctx": 2048, "n_ctx_train": 32768}}, {"total_slots": 4}, None, 512, 4),  # llama.cpp, shared
    ({}, {"default_generation_settings": {"n_ctx": 700}, "total_slots": 2}, None, 700, 2),  # per slot
    ({}, {"n_ctx": 3000}, [{"id": 0}, {"id": 1}, {"id": 2}], 1000, 3),  # slots from /slots
])
def test_the_window_and_slots_are_read_where_the_server_says_them(server, entry, props, slots, window, in_flight):
    server.entry, server.props, server.slots = entry, props, slots
    llm = backend(server, max_in_flight=8, max_tokens=128)
    assert (llm.context_window, llm.provenance()["in_flight"]) == (window, in_flight)
    assert llm.provenance()["context_window_source"].startswith("the server's")
    assert server.chats() == []  # known before the first request


def test_the_profile_window_can_only_lower_the_servers_and_is_used_when_it_is_silent(server, caplog):
    server.entry = {"max_model_len": 1024}
    with caplog.at_level(logging.WARNING, logger="translate"):
        assert backend(server, context_window=8192).context_window == 1024
    assert "context_window is 8192 but the LLM server" in caplog.text
    assert backend(server, context_window=800).context_window == 800
    server.entry = {}
    assert backend(server, context_window=3000).context_window == 3000


def test_a_silent_server_gets_a_conservative_window_logged_once(server, caplog):
    server.model = f"silent-{uuid.uuid4().hex[:6]}"
    with caplog.at_level(logging.WARNING, logger="translate"):
        windows = [backend(server).context_window for _ in range(3)]
    assert windows == [4096] * 3
    assert caplog.text.count("does not say its context window") == 1


def test_a_window_too_small_for_the_reply_budget_is_refused_before_any_request(server):
    server.props = {"default_generation_settings": {"n_ctx": 512}, "total_slots": 4}
    with pytest.raises(UsageError) as caught:
        backend(server, max_tokens=1024)
    assert "context window of 512" in caught.value.reason and "default_generation_settings" in caught.value.reason
    assert "lower translation.llm.max_tokens" in caught.value.hint and server.chats() == []


@pytest.mark.parametrize("status,message", [
    (400, "This model's maximum context length is 512 tokens. However, you requested 1100 tokens."),
    (400, "the request exceeds the available context size, try increasing it"),
    (500, "Context size has been exceeded."),  # llama.cpp, one request alone in flight
])
def test_a_context_rejection_is_one_configuration_error_not_retried_per_sentence(server, status, message):
    server.chat = lambda call: (status, {"error": {"code": status, "message": message}})
    with pytest.raises(LLMContextError) as caught:
        backend(server, max_in_flight=1).translate(SENTENCES, context=contexts())
    assert isinstance(caught.value, UsageError)  # exit 2
    assert message.split(".")[0] in caught.value.reason
    assert "translation.llm.context_window" in caught.value.hint and "max_in_flight" in caught.value.hint
    assert len(server.chats()) == 1  # neither retried nor sent again sentence by sentence


def test_a_context_rejection_exits_2_with_one_message(server, tmp_path, articles):
    from tests.support.helpers import run_cli

    server.chat = lambda call: (400, {"error": {"message": "maximum context length is 512 tokens"}})
    config = tmp_path / "models.yaml"
    config.write_text("profiles:\n  server:\n    translation: {model: org/not-here-llm, backend: openai, "
                      f'llm: {{base_url: "{server.url}", server_model: {server.model}, api_key_env: {KEY_ENV}, '
                      "max_in_flight: 1}}\n    summary: {method: none}\n", encoding="utf-8")
    result = run_cli("batch", articles, "--out", tmp_path / "out", "--config", config)
    assert result.exit_code == 2, result.output
    assert result.output.count("error:") == 1 and "maximum context length" in result.output
    assert "Traceback" not in result.output and KEY not in result.output
    assert len(server.chats()) == 1


# ------------------------------------------------------------------------ overload and concurrency

def capacity(server, seats: int, answer_after: float = 0.2, *, busy=(503, {"error": {"message": "server busy"}})):
    """A server that runs ``seats`` requests at once and says it is busy beyond that."""
    def answer(call):
        with server.lock:
            crowded = server.in_flight > seats
        if crowded:
            return busy
        time.sleep(answer_after)
        return translated(call)

    return answer


@pytest.mark.parametrize("busy", [(503, {"error": {"message": "server busy"}}), (429, {"error": {"message": "slow"}}),
                                  (500, {"error": {"message": "Context size has been exceeded."}})])
def test_an_overloaded_server_gets_fewer_requests_in_flight_not_a_failed_run(server, caplog, busy):
    server.chat = capacity(server, 2, busy=busy)
    llm = backend(server, max_in_flight=8, retries=0)  # overload answers do not spend retries
    texts = [f"الجملة رقم {i} في المقال." for i in range(12)]
    with caplog.at_level(logging.INFO, logger="translate"):
        outputs = llm.translate(texts)
    assert [o.text for o in outputs] == [f"EN<{t}>" for t in texts]
    assert len(server.chats()) > 12  # some were turned away, and sent again
    assert len(warnings_of(caplog)) == 1  # one warning, however many requests were turned away


def test_in_flight_is_capped_to_the_servers_slots(server):
    server.props = {"total_slots": 2, "default_generation_settings": {"n_ctx": 4096}}
    server.chat = capacity(server, 2)
    texts = [f"الجملة رقم {i} في المقال." for i in range(8)]
    outputs = backend(server, max_in_flight=16, retries=0).translate(texts)
    assert all(o.text for o in outputs) and server.peak <= 2 and len(server.chats()) == 8


def test_a_dead_server_stops_the_run_with_one_warning_not_one_per_request(server, caplog):
    server.chat = lambda call: (502, {"error": {"message": "bad gateway"}})
    texts = [f"الجملة رقم {i} في المقال." for i in range(8)]
    with caplog.at_level(logging.DEBUG, logger="translate"), pytest.raises(LLMServerError) as caught:
        backend(server, max_in_flight=8, retries=3).translate(texts)
    assert "failed 4 time(s) in a row (last: HTTP 502: bad gateway)" in caught.value.reason
    assert len(warnings_of(caplog)) == 1
    assert len(server.chats()) <= 8 * 4


def test_a_dropped_connection_then_an_answer_is_retried(server):
    calls = []

    def answer(call):
        calls.append(call)
        if len(calls) == 1:
            call.handler.close_connection = True  # hang up without a word
            return None
        return translated(call)

    server.chat = answer
    assert backend(server).translate([SENTENCES[0]])[0].text == f"EN<{SENTENCES[0]}>"
    assert len(server.chats()) == 2


def test_a_revoked_key_mid_run_stops_the_run(server):
    server.chat = lambda call: (401, {"error": {"message": "invalid api key"}})
    with pytest.raises(LLMServerError) as caught:
        backend(server).translate(SENTENCES, context=contexts())
    assert "HTTP 401: invalid api key" in caught.value.reason and KEY_ENV in caught.value.hint


# ------------------------------------------------------------------------ settings

def test_queue_timeout_is_a_setting():
    settings = parse_llm({"queue_timeout_s": 900, "timeout_s": 30}, path="m.yaml", where="t.llm", role="translation")
    assert (settings.queue_timeout_s, settings.timeout_s) == (900.0, 30.0)
    assert LLMSettings().queue_timeout_s == 600.0
    with pytest.raises(UsageError, match="queue_timeout_s: must be at least"):
        parse_llm({"queue_timeout_s": 0}, path="m.yaml", where="t.llm", role="translation")


def test_an_environment_proxy_is_used_and_its_password_never_shown(server, monkeypatch):
    from translate.backends.llm.openai import OpenAIBackend

    for name in ("no_proxy", "NO_PROXY", "https_proxy", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    port = server.url.split(":")[2].split("/")[0]
    monkeypatch.setenv("http_proxy", f"http://user:proxy-secret-pw@127.0.0.1:{port}")
    server.chat = lambda call: (500, {"error": {"message": f"proxy saw {call.headers}"}})
    llm = LLMSettings(base_url="http://llm.invalid:8000/v1", server_model=server.model, retries=0, max_in_flight=1,
                      max_tokens=128)
    backend = OpenAIBackend(TranslationOptions(model="org/not-here-llm"), llm, role="translation")
    assert server.lines[0] == "GET http://llm.invalid:8000/v1/models HTTP/1.1"  # relayed by the proxy
    assert server.calls[0].headers["Proxy-Authorization"].startswith("Basic ")
    with pytest.raises(LLMServerError) as caught:
        backend.translate([SENTENCES[0]])
    assert "proxy saw" in caught.value.reason and "Proxy-Authorization" in caught.value.reason
    assert "proxy-secret-pw" not in str(caught.value)
    assert server.calls[0].headers["Proxy-Authorization"].split()[1] not in str(caught.value)
