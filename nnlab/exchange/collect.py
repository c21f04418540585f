"""`nbgrader collect` that copies no link a student left in the exchange.

The exchange's inbound folder is writable by every student, and nbgrader copies a submission
with `shutil.copytree`, which follows links: a link named `grades.db` to the gradebook would
be collected as the gradebook itself (and handed back in the feedback), a link to `/dev/zero`
would fill the disk. Here a link is never followed: it is left out and named in the log, and
a submission folder that is itself a link is not collected at all. The student's files in the
exchange are not touched. Configured in course_config.py (`c.ExchangeFactory.collect`).
"""
from __future__ import annotations

import os
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


class LinkSafeCollect(ExchangeCollect):
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
