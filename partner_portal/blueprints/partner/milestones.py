"""Milestones, badges and the leaderboard (when the program has it on)."""

from __future__ import annotations

from flask import g, render_template

from ...models.base import utcnow
from ...services import milestones
from ...services.program import get_program, program_zone
from . import bp


@bp.route("/milestones")
def milestones_page():
    today = utcnow().astimezone(program_zone()).date()
    board = milestones.board(g.partner.id, today)
    ranking = milestones.leaderboard(today, g.partner.id) if get_program().leaderboard_enabled \
        else None
    return render_template("partner/milestones.html", board=board, ranking=ranking,
                           top_share=milestones.TOP_SHARE)
