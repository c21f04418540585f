"""`nnlab serve`: every hand-in graded on arrival. One process per course polls the exchange's inbound,
collects each student's new hand-in, grades it with one long-lived `Grader`, generates that student's
feedback and releases it; a journal of every hand-in lets a restart resume where the last run stopped.

Modules: `settings` (the `Serve` configurable), `lock` (one service, one gradebook writer), `journal`
(what happened to each hand-in), `handins` (a hand-in's name and what is wrong with it), `exchange`
(nbgrader's exchange through its factory), `notices` (the pages of hand-ins not graded, or not yet),
`queue` (attempt limits and the fair queue), `feedback` (generate_feedback for some students), `service`
(the loop).
"""
