"""Milestones and badges, the monthly standings behind "top 10%", and the leaderboard.

Badges are a registry of small classes, each deciding from a partner's conversion history
(the daily rollups) and their monthly standings whether it is earned and when. A "sale" is
an attributed conversion (sale, lead, signup or renewal).

Standings rank every approved partner with at least one conversion in a month by their
number of conversions (competition ranking: ties share a rank). They are recomputed by the
``standings`` job and kept for past months, so a top-10% badge stays earned; they also hold
each partner's conversions per past month, so badges never read more than the current
month of rollups (sales milestones count conversions made while approved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select

from ..extensions import db
from ..models import DailyStat, MonthlyStanding, Partner
from .ranges import month_of

TOP_SHARE = 10  # "top 10%": rank <= max(1, ranked // 10)


@dataclass
class History:
    """What badges are decided from: conversions per past month (from the standings) and
    per day of the current month (from the rollups), oldest first, and the standings."""

    counts: list[tuple[date, int, bool]]  # (day, or first of a past month; conversions; a day?)
    standings: list[MonthlyStanding]  # the partner's, newest month first

    @property
    def total(self) -> int:
        return sum(n for _, n, _ in self.counts)

    def reaching(self, threshold: int) -> str | None:
        """When the running total reached ``threshold``: a day this month, a month before."""
        running = 0
        for when, n, is_day in self.counts:
            running += n
            if running >= threshold:
                return when.isoformat() if is_day else when.strftime("%B %Y")
        return None


@dataclass
class Earned:
    code: str
    title: str
    description: str
    earned: bool
    when: str | None = None  # "2026-10-04" or "October 2026"
    progress: tuple[int, int] | None = None  # (done, needed) while not earned


def is_top(standing: MonthlyStanding) -> bool:
    return standing.rank <= max(1, standing.ranked // TOP_SHARE)


class Badge:
    code = ""
    title = ""
    description = ""

    def evaluate(self, history: History) -> Earned:
        raise NotImplementedError


class SalesMilestone(Badge):
    def __init__(self, code: str, title: str, threshold: int):
        self.code, self.title, self.threshold = code, title, threshold
        self.description = ("Your first attributed conversion." if threshold == 1
                            else f"{threshold} attributed conversions in total.")

    def evaluate(self, history):
        when = history.reaching(self.threshold)
        if when is not None:
            return Earned(self.code, self.title, self.description, True, when)
        return Earned(self.code, self.title, self.description, False,
                      progress=(history.total, self.threshold))


class TopOfMonth(Badge):
    code, title = "top_10", "Top 10% this month"
    description = "Among the top 10% of partners by conversions in a calendar month."

    def evaluate(self, history):
        months = [s.month for s in history.standings if is_top(s)]
        if months:
            latest = months[0]
            label = latest.strftime("%B %Y")
            if len(months) > 1:
                label += f" (and {len(months) - 1} more month{'s' if len(months) > 2 else ''})"
            return Earned(self.code, self.title, self.description, True, label)
        return Earned(self.code, self.title, self.description, False)


BADGES: tuple[Badge, ...] = (
    SalesMilestone("first_sale", "First sale", 1),
    SalesMilestone("ten_sales", "10 sales", 10),
    SalesMilestone("hundred_sales", "100 sales", 100),
    TopOfMonth(),
)


def history(partner_id: int, today: date) -> History:
    """Two small reads, whatever the partner's age: their standings (one row per month they
    converted in) and this month's daily rollups."""
    month = month_of(today)[0]
    standings = list(db.session.scalars(
        select(MonthlyStanding).where(MonthlyStanding.partner_id == partner_id)
        .order_by(MonthlyStanding.month.desc())))
    counts = [(s.month, s.conversions, False) for s in reversed(standings) if s.month < month]
    counts += [(day, int(n), True) for day, n in db.session.execute(
        select(DailyStat.day, func.sum(DailyStat.conversions))
        .where(DailyStat.partner_id == partner_id, DailyStat.day >= month,
               DailyStat.conversions > 0)
        .group_by(DailyStat.day).order_by(DailyStat.day))]
    return History(counts, standings)


@dataclass
class BadgeBoard:
    badges: list[Earned]
    this_month: MonthlyStanding | None = None
    total: int = 0

    @property
    def earned(self) -> list[Earned]:
        return [b for b in self.badges if b.earned]

    @property
    def next_goal(self) -> Earned | None:
        return next((b for b in self.badges if not b.earned and b.progress), None)


def board(partner_id: int, today: date) -> BadgeBoard:
    past = history(partner_id, today)
    month = month_of(today)[0]
    this_month = next((s for s in past.standings if s.month == month), None)
    return BadgeBoard([b.evaluate(past) for b in BADGES], this_month, past.total)


# --- standings ------------------------------------------------------------------------

def months_to_backfill(today: date) -> list[date]:
    """Past months with rollups but no standings yet, when no past month has any (the first
    run after an upgrade, or on a new program); otherwise none."""
    month = month_of(today)[0]
    if db.session.scalar(select(MonthlyStanding.id).where(MonthlyStanding.month < month).limit(1)):
        return []
    first = db.session.scalar(select(func.min(DailyStat.day)))
    months = []
    while first is not None and first < month:
        months.append(month_of(first)[0])
        first = month_of(first)[1] + timedelta(days=1)
    return months


def compute_standings(day: date, *, now: datetime) -> int:
    """Rank the month that ``day`` falls in again, from the rollups. Returns how many
    partners were ranked."""
    first, last = month_of(day)
    totals = db.session.execute(
        select(DailyStat.partner_id, func.sum(DailyStat.conversions).label("n"))
        .join(Partner, Partner.id == DailyStat.partner_id)
        .where(DailyStat.day >= first, DailyStat.day <= last, Partner.status == "approved")
        .group_by(DailyStat.partner_id)
        .having(func.sum(DailyStat.conversions) > 0)).all()
    ordered = sorted(((pid, int(n)) for pid, n in totals), key=lambda r: (-r[1], r[0]))
    rows, rank, previous = [], 0, None
    for position, (partner_id, n) in enumerate(ordered, start=1):
        if n != previous:
            rank, previous = position, n
        rows.append({"month": first, "partner_id": partner_id, "conversions": n, "rank": rank,
                     "ranked": len(ordered), "computed_at": now})
    db.session.execute(delete(MonthlyStanding).where(MonthlyStanding.month == first))
    if rows:
        db.session.execute(insert(MonthlyStanding), rows)
    db.session.flush()
    return len(rows)


@dataclass
class LeaderboardEntry:
    position: int
    name: str
    conversions: int
    is_you: bool = False


@dataclass
class Leaderboard:
    month: date
    entries: list[LeaderboardEntry] = field(default_factory=list)
    you: LeaderboardEntry | None = None  # the viewer, when outside the shown entries


def leaderboard_name(partner: Partner) -> str:
    """A partner's display name, or their first name and last initial."""
    if partner.display_name:
        return partner.display_name
    parts = partner.name.split()
    if len(parts) > 1:
        return f"{parts[0]} {parts[-1][0]}."
    return parts[0] if parts else "Partner"


def leaderboard(day: date, viewer_id: int | None = None, *, size: int = 10) -> Leaderboard:
    """The month's ranking as partners see it: approved partners who did not opt out, by
    display name; positions counted among them."""
    month = month_of(day)[0]
    rows = db.session.execute(
        select(MonthlyStanding, Partner).join(Partner, Partner.id == MonthlyStanding.partner_id)
        .where(MonthlyStanding.month == month, Partner.status == "approved",
               Partner.leaderboard_opt_out.is_(False))
        .order_by(MonthlyStanding.rank, MonthlyStanding.partner_id)).all()
    board_ = Leaderboard(month)
    position, previous = 0, None
    for index, (standing, partner) in enumerate(rows, start=1):
        if standing.conversions != previous:
            position, previous = index, standing.conversions
        entry = LeaderboardEntry(position, leaderboard_name(partner), standing.conversions,
                                 partner.id == viewer_id)
        if index <= size:
            board_.entries.append(entry)
        elif entry.is_you:
            board_.you = entry
    return board_
