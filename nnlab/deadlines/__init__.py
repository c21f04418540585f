"""Due dates, extensions, the late policy and what a student's feedback shows before the due date.

Kept where nbgrader keeps them, so that the formgrader, `nbgrader export` and nnlab agree: the
assignment's `duedate` and each submission's `extension` in the gradebook; the late deduction as
nbgrader's late-submission penalty, computed by the course's plugin (`policy.LatePolicy`, set as
`c.AssignLatePenalties.plugin_class`). What nbgrader has no place for is kept by nnlab under
`.nnlab/deadlines/`: an extension given before the student has handed in (moved onto the submission
when it is graded, `steps.ApplyDeadlines`) and the scores of each student's last hand-in on time (for
the `feedback_only` policy). Every setting is a trait of `settings.Deadlines` or `policy.LatePolicy`.
"""
