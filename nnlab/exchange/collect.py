"""`nbgrader collect` that copies no link a student left in the exchange, and no hand-in one student
made in another's name.

The exchange's inbound folder is writable by every student, and nbgrader copies a submission
with `shutil.copytree`, which follows links: a link named `grades.db` to the gradebook would
be collected as the gradebook itself (and handed back in the feedback), a link to `/dev/zero`
would fill the disk. Here a link is never followed: it is left out and named in the log, and
a submission folder that is itself a link is not collected at all. The student's files in the
exchange are not touched. Configured in course_config.py (`c.ExchangeFactory.collect`).

Every student may write to the inbound folder, and a hand-in's folder name says whose it is
(`<student>+<assignment>+<time>+<random>`): a student can make `<other student>+...` with a later time,
and nbgrader, which only logs a warning when the folder's owner is not the student it names
(`check_owner`), collects it as the other student's newest hand-in. Here such a folder is refused
before the newest hand-in is chosen, and logged with both names: a hand-in counts when its owner is the
student it names (one Unix user per student, as on a shared JupyterHub) or the user collecting (a
course run by one user on one machine, where the instructor's own process hands in).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import ignore_patterns


def links_under(folder: str) -> list[str]:
    """Every link inside `folder` (files and folders), relative to it, without following any."""
    found = []
    for directory, folders, files in os.walk(folder):  # os.walk does not descend into linked folders
        for name in folders + files:
            path = os.path.join(directory, name)
            if os.path.islink(path):
                found.append(os.path.relpath(path, folder))
    return sorted(found)


def owner_name(path: str) -> str:
    """The user name of the owner of `path` (its uid when it has no name), without following a link."""
    uid = os.lstat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class LinkSafeCollect(ExchangeCollect):
    def init_src(self):
        """nbgrader's choice of each student's hand-in, made again among the hand-ins their own."""
        super().init_src()   # checks the exchange, reads the due date, and picks among every folder
        # the same folders as nbgrader's (a --student may be a pattern, as there)
        pattern = os.path.join(self.inbound_path, f"{self.coursedir.student_id or '*'}+{self.coursedir.assignment_id}+*")
        records = [self._path_to_record(path) for path in glob.glob(pattern) if self._handed_in_by_owner(path)]
        chosen = []
        for username in sorted({r["username"] for r in records}):
            theirs = self._sort_by_timestamp([r for r in records if r["username"] == username])
            on_time = [r for r in theirs if self.duedate is not None and r["timestamp"] <= self.duedate]
            # as nbgrader: the newest, or with --before-duedate the newest before the due date
            chosen.append(on_time[0] if self.before_duedate and on_time else theirs[0])
        self.src_records = chosen

    def _handed_in_by_owner(self, path: str) -> bool:
        """Whether the hand-in folder at `path` is owned by the student it names (or by the collecting
        user); a forged one is logged with both names."""
        named = os.path.basename(path).rsplit("+", 3)[0]
        owner = owner_name(path)
        if owner == named or os.lstat(path).st_uid == os.getuid():
            return True
        self.log.error("Not collected: %s names the student %s but was made by %s: a hand-in in another "
                       "student's name is refused (that student's own hand-ins are collected as usual)",
                       path, named, owner)
        return False

    def do_copy(self, src, dest, log=None):
        if os.path.islink(src):
            self.log.error("Not collected: %s is a link in the exchange (to %s), not a submitted folder",
                           src, os.readlink(src))
            return
        for link in links_under(src):
            self.log.warning("Not collected: %s in %s is a link (to %s), not a submitted file",
                             link, src, os.readlink(os.path.join(src, link)))
        size = self.get_size(src)  # nbgrader's own size check; it counts no link
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is "
                               f"{1000 * self.coursedir.max_dir_size}")
        nbgrader_ignores = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                           max_file_size=self.coursedir.max_file_size, log=self.log)

        def ignore(directory, names):
            return set(nbgrader_ignores(directory, names)) | {
                name for name in names if os.path.islink(os.path.join(directory, name))}

        shutil.copytree(src, dest, ignore=ignore)
        if self.coursedir.groupshared:
            self._share_with_group(dest)

    def _share_with_group(self, dest: str) -> None:
        """As nbgrader does after its copy: folders ug+rwx (setgid), files ug+rw."""
        for directory, _, files in os.walk(dest):
            for path, wanted, keep in [(directory, 0o2770, 0o2777)] + [(os.path.join(directory, f), 0o660, 0o777)
                                                                      for f in files]:
                mode = os.stat(path).st_mode
                if mode & wanted != wanted:
                    try:
                        os.chmod(path, (mode | wanted) & keep)
                    except PermissionError:
                        self.log.warning("Could not update permissions of %s to make it groupshared", path)
