"""Republished stories (issue 20): the same agency story under another title, dateline or closing
paragraph is grouped, across the batch and across earlier runs into the same folder; two different
articles on the same topic are not; the groups do not depend on the order of the input."""

from __future__ import annotations

import random

from tests.support.helpers import load
from translate import load_config
from translate.runners import run_batch
from translate.runners.plan import RunOptions
from translate.stages.duplicates import THRESHOLD, same_stories, signature, similarity

STORY = ["أعلنت وزارة الصحة اليوم عن افتتاح ثلاثة مستشفيات جديدة في المحافظات الجنوبية بتكلفة إجمالية "
         "بلغت مئتي مليون دولار.",
         "وقال وزير الصحة في مؤتمر صحفي إن المستشفيات الجديدة ستخدم أكثر من مليون مواطن وستوفر ألف فرصة عمل.",
         "وأضاف الوزير أن الحكومة تعمل على تطوير القطاع الصحي وتحسين الخدمات المقدمة للمواطنين في جميع المناطق.",
         "ومن المتوقع أن تبدأ المستشفيات باستقبال المرضى مطلع العام المقبل بعد استكمال تجهيزها بالمعدات الطبية."]
SAME_TOPIC = ["افتتح رئيس الوزراء مستشفى جامعيا في العاصمة بحضور عدد من المسؤولين والأطباء والممرضين.",
              "وأكد رئيس الوزراء في كلمته أهمية الاستثمار في التعليم الطبي وتدريب الكوادر الصحية الشابة.",
              "وتبلغ طاقة المستشفى الاستيعابية خمسمئة سرير ويضم أقساما للطوارئ والجراحة وأمراض القلب.",
              "ويأتي افتتاح المستشفى ضمن خطة حكومية لتحديث المنشآت الصحية خلال السنوات الخمس المقبلة."]


def article(title: str, dateline: str, body: list[str], closing: str = "") -> str:
    return "\n\n".join([title, dateline, *body] + ([closing] if closing else [])) + "\n"


def test_signatures_tell_a_republication_from_an_article_on_the_same_topic():
    original = signature(STORY)
    assert similarity(original, signature(STORY[:-1] + ["وكانت الوزارة قد أعلنت الخطة في العام الماضي."])) >= THRESHOLD
    assert similarity(original, signature(SAME_TOPIC)) < 0.2
    assert signature(["قصير جدا"]) == ""  # too short to tell


def test_groups_do_not_depend_on_the_order_and_scale_linearly():
    signatures = {"a": signature(STORY), "b": signature(STORY[1:] + ["فقرة ختامية مختلفة عن النص الأصلي تماما."]),
                  "c": signature(SAME_TOPIC), "d": signature(STORY)}
    found = same_stories(signatures)
    assert found["a"]["articles"] == ["a", "b", "d"] and "c" not in found
    keys = list(signatures)
    random.Random(1).shuffle(keys)
    assert same_stories({k: signatures[k] for k in keys}) == found


def test_republished_articles_are_grouped_in_records_and_the_manifest_across_runs(tmp_path, tiny_models):
    profile = load_config(tiny_models).profile("tiny-extractive")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "agency.txt").write_text(article("افتتاح ثلاثة مستشفيات جديدة", "القاهرة (وكالات) -", STORY),
                                       encoding="utf-8")
    (folder / "other.txt").write_text(article("رئيس الوزراء يفتتح مستشفى جامعيا", "بغداد -", SAME_TOPIC),
                                      encoding="utf-8")
    out = tmp_path / "out"
    run_batch(profile=profile, run=RunOptions(input=folder, out=out))
    assert "duplicates_of" not in load(out / "agency.json")
    (folder / "paper.txt").write_text(article("الصحة: ثلاثة مستشفيات جديدة في الجنوب", "الأحد 5 يناير 2025",
                                              STORY, "تابعونا على مواقع التواصل الاجتماعي."), encoding="utf-8")
    report = run_batch(profile=profile, run=RunOptions(input=folder, out=out))  # a later run, one new article
    assert report.done == ["paper.txt"]
    agency, paper = load(out / "agency.json"), load(out / "paper.json")
    assert [d["article"] for d in agency["duplicates_of"]] == ["paper.txt"]
    assert ([d["article"] for d in paper["duplicates_of"]] == ["agency.txt"]
            and paper["duplicates_of"][0]["similarity"] >= 0.5)
    assert "duplicates_of" not in load(out / "other.json")
    files = load(out / "manifest.json")["files"]
    assert files["paper.txt"]["same_story"]["articles"] == ["agency.txt", "paper.txt"]
    assert "same_story" not in files["other.txt"] and not any("story" in e for e in files.values())
    index = (out / "index.md").read_text(encoding="utf-8")
    rows = [line for line in index.splitlines() if line.startswith("| ") and "](" in line]
    assert len(rows) == 2 and "same story: 2 outlets" in index  # the republished story once, its outlets listed
    assert "same story: 2 outlets" in (out / "index.html").read_text(encoding="utf-8")
