"""Reading Moodle's "download all submissions" zip: safe entry names, entry dates, and the
grouping of files into one submission folder per participant."""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from nnlab.lms.roster import LmsImportError

# `Full Name_12345_assignsubmission_file` (before Moodle 4.1 with a trailing underscore): 12345 is
# Moodle's participant id. Without "download submissions in folders" the file name follows the last
# underscore instead.
MOODLE_NAME = re.compile(
    r"^(?P<name>.+?)_(?P<participant>\d+)_assign(?:submission|feedback)_(?P<plugin>[A-Za-z0-9]+)"
    r"(?:_(?P<rest>.*))?$", re.DOTALL)

_UTF8_NAME_FLAG = 0x800
_EXTENDED_TIMESTAMP = 0x5455  # the "UT" extra field: modification time in Unix seconds (UTC)
_NO_DATE = (1980, 1, 1, 0, 0, 0)  # what zip writers store when a file has no date


@dataclass(frozen=True)
class Entry:
    """One file of the zip."""
    name: str                 # its path in the zip, as the instructor's unzip tool shows it
    parts: tuple[str, ...]    # that path split into folder names (checked safe)
    info: zipfile.ZipInfo
    modified: datetime | None  # aware; None when the zip carries no date

    @property
    def is_notebook(self) -> bool:
        # A checkpoint copy is JupyterLab's autosave, never what the student meant to hand in.
        return self.parts[-1].lower().endswith(".ipynb") and ".ipynb_checkpoints" not in self.parts[:-1]


@dataclass
class Folder:
    """One Moodle submission folder: a participant's files from one submission plugin."""
    path: str                  # its path in the zip (in flat zips: the common file name prefix)
    name: str                  # the participant's full name as Moodle wrote it
    participant: str
    plugin: str                # "file" for uploaded files, "onlinetext" for typed text
    files: list[Entry] = field(default_factory=list)
    inner: dict[str, str] = field(default_factory=dict)  # entry name -> path inside the folder


@dataclass(frozen=True)
class Rejected:
    """A zip entry that is never extracted where it points."""
    entry: str
    reason: str
    info: zipfile.ZipInfo


@dataclass
class MoodleZip:
    folders: list[Folder]
    strays: list[Entry]        # files outside any Moodle submission folder
    rejected: list[Rejected]
    entries: list[Entry]       # every safe file entry, in zip order


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as written by the zip tool.

    Zips made without the UTF-8 flag are decoded as cp437 by Python: a name that is valid
    UTF-8 once re-encoded was written in UTF-8 (what Moodle and most tools do today).
    """
    name = info.filename
    if not info.flag_bits & _UTF8_NAME_FLAG:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def unsafe_reason(raw: str, name: str) -> str | None:
    """Why an entry name would write outside the folder it is extracted to (zip slip)."""
    if "\0" in raw:
        return "its name contains a NUL byte"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "it has an absolute path (zip slip)"
    if ".." in re.split(r"[/\\]", name):
        return "its path goes up with '..' (zip slip)"
    return None


def _exact_time(info: zipfile.ZipInfo) -> datetime | None:
    """The "UT" extra field's modification time (UTC), when the zip writer added one."""
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        data = extra[4:4 + size]
        if kind == _EXTENDED_TIMESTAMP and len(data) >= 5 and data[0] & 1:
            return datetime.fromtimestamp(struct.unpack("<i", data[1:5])[0], timezone.utc)
        extra = extra[4 + size:]
    return None


def wall_time(info: zipfile.ZipInfo) -> datetime | None:
    """The entry's date as the wall clock of the machine that wrote the zip showed it (naive); None
    when the zip has the exact time instead, or no date."""
    if _exact_time(info) is not None or tuple(info.date_time) == _NO_DATE:
        return None
    try:
        return datetime(*info.date_time)
    except ValueError:  # a corrupt date field (month 0, ...) is no date
        return None


def entry_time(info: zipfile.ZipInfo, zip_timezone: tzinfo | None) -> datetime | None:
    """When the file was last modified, as the zip records it.

    The "UT" extra field is exact (UTC). Otherwise zips store the wall-clock time of the
    machine that made them, without a time zone: `zip_timezone` says which (None: the
    time zone of this machine).
    """
    exact = _exact_time(info)
    if exact is not None:
        return exact.astimezone(zip_timezone)
    local = wall_time(info)
    if local is None:
        return None
    return local.replace(tzinfo=zip_timezone) if zip_timezone else local.astimezone()


def open_zip(zip_path: Path) -> zipfile.ZipFile:
    """The zip, every entry checked readable: a bad zip is refused before anything is written."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except FileNotFoundError:
        raise LmsImportError(f"{zip_path}: no such file") from None
    except IsADirectoryError:
        raise LmsImportError(f"{zip_path}: is a folder, not the zip Moodle downloads") from None
    except zipfile.BadZipFile as exc:
        raise LmsImportError(f"{zip_path}: not a zip file ({exc})") from None
    except OSError as exc:
        raise LmsImportError(f"{zip_path}: cannot be read ({exc.strerror})") from None
    for info in archive.infolist():
        if info.is_dir():
            continue
        try:
            with archive.open(info) as stream:  # reading to the end checks the CRC
                while stream.read(1 << 20):
                    pass
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error,
                OSError) as exc:
            archive.close()
            raise LmsImportError(f"{zip_path}: entry {entry_name(info)!r} cannot be read ({exc}); "
                                 "nothing was imported: download the zip again") from None
    return archive


def read_moodle_zip(archive: zipfile.ZipFile, zip_timezone: tzinfo | None = None) -> MoodleZip:
    """Every entry of the zip: in a submission folder, outside any, or rejected as unsafe."""
    folders: dict[str, Folder] = {}
    strays: list[Entry] = []
    rejected: list[Rejected] = []
    entries: list[Entry] = []
    for info in archive.infolist():
        name = entry_name(info)
        reason = unsafe_reason(info.orig_filename, name)
        if reason:
            rejected.append(Rejected(name, reason, info))
            continue
        if info.is_dir():
            continue
        # Backslashes separate folders in zips made on Windows; "." and empty parts mean nothing.
        parts = tuple(p for p in re.split(r"[/\\]", name) if p not in ("", "."))
        if not parts:
            rejected.append(Rejected(name, "it has no file name", info))
            continue
        entry = Entry(name, parts, info, entry_time(info, zip_timezone))
        entries.append(entry)
        folder, inner = _folder_of(parts)
        if folder is None:
            strays.append(entry)
            continue
        if folder.path not in folders:
            folders[folder.path] = folder
        folders[folder.path].files.append(entry)
        folders[folder.path].inner[entry.name] = inner
    return MoodleZip(list(folders.values()), strays, rejected, entries)


def _folder_of(parts: tuple[str, ...]) -> tuple[Folder | None, str]:
    """The Moodle submission folder a file is in, and its path inside that folder.

    The folder may sit below other folders (a zip unpacked and packed again).
    """
    for i, part in enumerate(parts):
        match = MOODLE_NAME.match(part)
        if not match:
            continue
        last = i == len(parts) - 1
        rest = match["rest"] or ""
        if last and not rest:
            return None, ""  # a file named like a folder, with nothing after: not a submission
        if last:  # a flat zip: `Full Name_12345_assignsubmission_file_perceptron.ipynb`
            prefix = part[:len(part) - len(rest)]
            path, inner = "/".join((*parts[:i], prefix)), rest
        else:
            path, inner = "/".join(parts[:i + 1]), "/".join(parts[i + 1:])
        return Folder(path, match["name"].strip(), match["participant"], match["plugin"]), inner
    return None, ""
