"""``translate models export/import``: a profile's models carried to a machine without internet in
one archive.

The archive (``export_profile`` / ``import_archive``) is a tar file: ``translate-models.json`` first
(schema ``translate.models/1``: the profile as a standalone ``models.yaml``, each model's
role, id, revision and commit, and every file's size, modification time and SHA-256), then the
model folders (``models/<role>/hf/``) and their CTranslate2 conversions (``models/<role>/ct2/``).
Import checks every file against the manifest while unpacking into a staging folder and installs
nothing unless all match: Hub models go into the Hugging Face cache (so the usual ``models.yaml``
finds them offline), local-folder models and a ``models.yaml`` naming them into ``--into``, the
conversions into the CTranslate2 cache (``$TRANSLATE_CACHE/ct2``) under the names the backend
looks for, so nothing is converted again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import os
import shlex
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from .catalog import ct2_backend, model_roles, models_command, served_models
from .config import Profile
from .errors import ModelArchiveError, ModelUnavailableError
from .reading.files import sha256_file

log = logging.getLogger("translate")
ARCHIVE_SCHEMA = "translate.models/1"
ARCHIVE_MANIFEST = "translate-models.json"


def _folder_files(folder: Path) -> list[tuple[str, Path]]:
    """(relative POSIX path, file) of every file under ``folder`` (symbolic links followed, as in
    a Hugging Face cache snapshot)."""
    found = []
    for root, _, names in os.walk(folder, followlinks=True):
        for name in sorted(names):
            path = Path(root) / name
            if path.is_file():
                found.append((path.relative_to(folder).as_posix(), path))
    return sorted(found)


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def profile_document(profile: Profile, *, models: dict[str, str], glossary: str | None = None) -> dict:
    """The profile as a standalone ``models.yaml`` document (its only, default, profile), with the
    models named by ``models`` (role -> Hub id or folder relative to the file) and the glossary."""
    def model_role(options, role: str) -> dict:
        data = _plain(options)
        data["model"] = models.get(role, options.model)
        if data.get("llm") is None:
            data.pop("llm", None)
        return data

    meta: dict[str, list[str]] = {}
    for role, pattern in profile.input.meta_patterns:
        meta.setdefault(role, []).append(pattern)
    document = {
        "description": profile.description,
        "translation": model_role(profile.translation, "translation"),
        "summary": model_role(profile.summary, "summary"),
        "output": {"formats": list(profile.output.formats), "glossary": glossary},
        "input": {"max_characters": profile.input.max_characters,
                  "min_arabic_letters": profile.input.min_arabic_letters,
                  "chrome_patterns": list(profile.input.chrome_patterns), "meta_patterns": meta,
                  "date_patterns": list(profile.input.date_patterns)},
        "review": _plain(profile.review),
    }
    return {"default_profile": profile.name, "profiles": {profile.name: document}}


def export_profile(profile: Profile, archive: Path) -> Iterator[str]:
    """Write ``archive``: the profile's model folders and their CTranslate2 conversions (converted
    now when missing), with a manifest of checksums. Yields progress lines."""
    import yaml

    from .backends.hub import is_local, resolve_model, resolved_revision

    entries, members = [], []  # members: (name in the archive, file on disk)
    for role, options in served_models(profile):
        yield f"{role}: {options.model} is served by {options.llm.base_url}, nothing to export"
    models: dict[str, str] = {}
    for role, options in model_roles(profile):
        if options.backend == "openai":
            continue
        folder = resolve_model(options.model, options.revision, role)
        local = is_local(options.model)
        entry = {"role": role, "model": options.model if not local else folder.name,
                 "kind": "folder" if local else "hub", "revision": options.revision,
                 "commit": None if local else resolved_revision(folder),
                 "path": f"models/{role}/hf", "ct2": None}
        if not local and not entry["commit"]:
            raise ModelUnavailableError(f"{role} model {options.model!r}: {folder} is not a Hugging Face cache "
                                        "snapshot", f"download it first: `{models_command('download', profile)}`")
        members += [(f"{entry['path']}/{name}", path) for name, path in _folder_files(folder)]
        backend = ct2_backend(role, options)
        if isinstance(backend, str):
            yield backend
        else:
            converted = backend.converted()
            entry["ct2"] = {"path": f"models/{role}/ct2", "quantization": backend.compute_type}
            members += [(f"models/{role}/ct2/{name}", path) for name, path in _folder_files(converted)]
        models[role] = options.model if not local else f"./{role}"
        entries.append(entry)
        yield f"{role}: {options.model}{' (and its CTranslate2 copy)' if entry['ct2'] else ''}"
    glossary = None
    if profile.output.glossary:
        source = Path(profile.output.glossary)
        glossary = f"./glossary{source.suffix}"
        members.append((f"files/glossary{source.suffix}", source))
    files = {}
    for name, path in members:
        stat = path.stat()
        files[name] = {"size": stat.st_size, "mtime": int(stat.st_mtime), "sha256": sha256_file(path)}
    from . import __version__

    manifest = {"schema": ARCHIVE_SCHEMA, "tool_version": __version__,
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "profile": profile.name,
                "models_yaml": yaml.safe_dump(profile_document(profile, models=models, glossary=glossary),
                                              allow_unicode=True, sort_keys=False),
                "models": entries, "files": files}
    archive.parent.mkdir(parents=True, exist_ok=True)
    temporary = archive.with_name(f".{archive.name}.partial")
    mode = "w:gz" if archive.name.endswith((".tar.gz", ".tgz")) else "w"
    try:
        with tarfile.open(temporary, mode, dereference=True) as tar:
            data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
            info = tarfile.TarInfo(ARCHIVE_MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o644
            tar.addfile(info, io.BytesIO(data))
            for name, path in members:
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o644
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
        temporary.replace(archive)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    size = sum(f["size"] for f in files.values())
    yield (f"wrote {archive} ({len(files)} files, {size / 1e6:.1f} MB); on the other machine: "
           f"translate models import {shlex.quote(archive.name)}")


def _refuse(archive: Path, reason: str) -> ModelArchiveError:
    return ModelArchiveError(f"{archive}: {reason}; nothing was installed",
                             "copy the archive again (compare its size and `sha256sum` on both machines), or export it "
                             "again with `translate models export PROFILE FILE`")


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    first = tar.next()
    if first is None or first.name != ARCHIVE_MANIFEST or not first.isfile():
        raise _refuse(archive, f"not a model archive of `translate models export` (no {ARCHIVE_MANIFEST} first)")
    try:
        manifest = json.loads(tar.extractfile(first).read(1 << 26).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse(archive, f"its {ARCHIVE_MANIFEST} is damaged ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("schema") != ARCHIVE_SCHEMA:
        schema = manifest.get("schema") if isinstance(manifest, dict) else None
        raise _refuse(archive, f"not a model archive of this tool (schema {schema!r}, expected {ARCHIVE_SCHEMA!r})")
    files, models = manifest.get("files"), manifest.get("models")
    if not isinstance(files, dict) or not isinstance(models, list) or not isinstance(manifest.get("models_yaml"), str):
        raise _refuse(archive, f"its {ARCHIVE_MANIFEST} lacks the file list or the models")
    for name, info in files.items():
        if not _safe_name(name) or not isinstance(info, dict) or not {"size", "sha256", "mtime"} <= set(info):
            raise _refuse(archive, f"its {ARCHIVE_MANIFEST} lists an unsafe or incomplete entry {name!r}")
    for entry in models:
        if (not isinstance(entry, dict) or entry.get("role") not in ("translation", "summary")
                or entry.get("kind") not in ("hub", "folder") or not _safe_name(str(entry.get("path")))):
            raise _refuse(archive, f"its {ARCHIVE_MANIFEST} describes a model it cannot install ({entry!r:.200})")
        if entry["kind"] == "hub" and not (isinstance(entry.get("commit"), str) and entry["commit"].isalnum()
                                           and "/" in str(entry.get("model"))):
            raise _refuse(archive, f"its {ARCHIVE_MANIFEST} names a Hub model without its commit")
    return manifest


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name and "\0" not in name


def _unpack(tar: tarfile.TarFile, manifest: dict, staging: Path, archive: Path) -> None:
    """Every member into ``staging``, checked against the manifest as it streams."""
    files, seen = manifest["files"], set()
    for index, member in enumerate(tar):
        if index == 0:  # the manifest, read already
            continue
        if member.name not in files or member.name in seen:
            raise _refuse(archive, f"{member.name!r} is not in its manifest (or twice in the archive)")
        if not member.isfile():
            raise _refuse(archive, f"{member.name!r} is not a regular file")
        expected = files[member.name]
        target = staging / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        source = tar.extractfile(member)
        with target.open("wb") as handle:
            for block in iter(lambda: source.read(1 << 20), b""):
                size += len(block)
                if size > expected["size"]:
                    break
                digest.update(block)
                handle.write(block)
        if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
            raise _refuse(archive, f"{member.name} does not match its checksum: the archive was damaged or altered")
        os.utime(target, (expected["mtime"], expected["mtime"]))  # the CTranslate2 cache names depend on it
        seen.add(member.name)
    absent = sorted(set(files) - seen)
    if absent:
        raise _refuse(archive, f"{len(absent)} file(s) of its manifest are missing (e.g. {absent[0]}): it is cut short")


def default_import_folder(profile: str) -> Path:
    from .backends.ct2 import cache_root

    return cache_root() / "models" / profile


def _replace_folder(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))


def import_archive(archive: Path, *, into: Path | None = None) -> Iterator[str]:
    """Check and install an archive of ``export_profile`` (see the module docstring). ``into``:
    where the local-folder models and the profile's ``models.yaml`` go (default
    ``$TRANSLATE_CACHE/models/PROFILE``). Yields progress lines; the last one names the
    ``models.yaml`` to use."""
    from huggingface_hub import constants

    from .backends.ct2 import converted_path

    try:
        tar = tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise _refuse(archive, f"cannot be read as a model archive ({exc})") from exc
    with tar:
        try:
            manifest = _read_manifest(tar, archive)
            profile = str(manifest.get("profile") or "imported")
            into = into or default_import_folder(profile)
            into.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".import-", dir=into))
            try:
                _unpack(tar, manifest, staging, archive)
                yield f"{archive}: {len(manifest['files'])} files match their checksums"
                yield from _install(manifest, staging, into, constants.HF_HUB_CACHE, converted_path)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            if isinstance(exc, ModelArchiveError):
                raise
            raise _refuse(archive, f"is damaged ({type(exc).__name__}: {exc})") from exc


def _install(manifest: dict, staging: Path, into: Path, hub_cache: str, converted_path) -> Iterator[str]:
    for entry in manifest["models"]:
        role, source = entry["role"], staging / entry["path"]
        if entry["kind"] == "hub":
            repo = Path(hub_cache) / f"models--{entry['model'].replace('/', '--')}"
            folder = repo / "snapshots" / entry["commit"]
            _replace_folder(source, folder)
            ref = entry.get("revision") or "main"
            if ref != entry["commit"]:
                (repo / "refs" / ref).parent.mkdir(parents=True, exist_ok=True)
                (repo / "refs" / ref).write_text(entry["commit"], encoding="utf-8")
            model = entry["model"]
            yield f"{role}: {model} installed in the Hugging Face cache ({folder})"
        else:
            folder = into / role
            _replace_folder(source, folder)
            model = str(folder.resolve())
            yield f"{role}: model folder installed in {folder}"
        if entry.get("ct2"):
            target = converted_path(model, folder, entry["ct2"]["quantization"])
            _replace_folder(staging / entry["ct2"]["path"], target)
            yield f"{role}: CTranslate2 copy installed in {target}"
    glossary = next((name for name in manifest["files"] if name.startswith("files/glossary")), None)
    if glossary:
        shutil.copyfile(staging / glossary, into / PurePosixPath(glossary).name)
    config = into / "models.yaml"
    config.write_text("# Written by `translate models import`: the exported profile, naming the imported models.\n"
                      + manifest["models_yaml"], encoding="utf-8")
    yield (f"profile {manifest.get('profile')!r} is ready: translate batch ARTICLES --config {shlex.quote(str(config))}"
           + (" (or your own models.yaml: its Hub models are in the cache now)"
              if all(e["kind"] == "hub" for e in manifest["models"]) else ""))
