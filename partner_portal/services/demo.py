"""A believable demo program: staff, groups, offers, partners in every status, and 90 days
of clicks, conversions and commissions. Running it again changes nothing that exists."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Callable

from flask import current_app
from sqlalchemy import func, insert, select

from ..extensions import db
from ..models import (
    Click,
    Offer,
    Partner,
    PartnerGroup,
    TermsAcceptance,
    TermsVersion,
    TrackingLink,
    User,
)
from . import audit, demo_engine
from .applications import new_partner_ref
from .clickids import codec_for
from .errors import PermissionDenied
from .passwords import hash_password
from .program import get_program

DEMO_PASSWORD = "demo-password"
STAFF = [
    ("owner@demo.test", "owner", "Olivia Owner"),
    ("manager@demo.test", "manager", "Max Manager"),
    ("finance@demo.test", "finance", "Fiona Finance"),
    ("analyst@demo.test", "analyst", "Andy Analyst"),
]
DEMO_PARTNER_EMAIL = "partner@demo.test"
# A fixed API key so the curl examples in docs/integration.md work against the demo.
# Demo data only: never seed a production database.
DEMO_API_KEY = "pp_demo_local_only_0000000000000000000000000000"
DEMO_LINK_CODE = "demo-shoes"  # the demo partner's link to the running-shoes offer

GROUPS = [
    ("Standard", "Every approved partner starts here.", True),
    ("VIP", "Top performers with higher rates and early access to promotions.", False),
    ("Content creators", "Bloggers, YouTubers and newsletter writers.", False),
]

OFFERS = [
    dict(name="Trailblazer Running Shoes", destination_url="https://shop.example.com/running",
         allowed_domains="shop.example.com\nblog.example.com", currency="USD", cookie_window_days=30,
         hold_days=30, default_commission_kind="percent", default_commission_value=Decimal("10"),
         description="Our best-selling trail shoes. Average order $128.", conv_rate=0.035,
         amount_range=(60, 240)),
    dict(name="Basecamp Gear Subscription", destination_url="https://shop.example.com/subscribe",
         allowed_domains="shop.example.com", currency="USD", cookie_window_days=45, hold_days=14,
         default_commission_kind="flat", default_commission_value=Decimal("25"),
         description="Monthly box of outdoor gear; pays a flat bounty per new subscriber.",
         conv_rate=0.02, amount_range=(39, 39)),
    dict(name="Outdoor Newsletter", destination_url="https://news.example.com/join",
         allowed_domains="news.example.com", currency="USD", cookie_window_days=7, hold_days=7,
         fallback_url="https://news.example.com/",
         default_commission_kind="flat", default_commission_value=Decimal("2"),
         description="Free weekly newsletter; pays per confirmed signup.", conv_rate=0.08,
         amount_range=(0, 0), event="lead"),
    dict(name="Winter Clearance", destination_url="https://shop.example.com/winter",
         allowed_domains="shop.example.com", currency="USD", cookie_window_days=30, hold_days=30,
         default_commission_kind="percent", default_commission_value=Decimal("8"),
         description="Seasonal clearance (paused until next season).", conv_rate=0.03,
         amount_range=(30, 150), status="paused"),
]

FIRST = ["Ava", "Ben", "Chloe", "Dev", "Elena", "Finn", "Grace", "Hiro", "Isla", "Jonas", "Kemi",
         "Liam", "Maya", "Noah", "Olu", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor",
         "Wen", "Xavi", "Yara", "Zane", "Amir", "Bea", "Carlos", "Dana", "Eli", "Fatima", "Gus",
         "Hana", "Ivan", "Jade"]
LAST = ["Walker", "Okafor", "Schmidt", "Patel", "Rossi", "Nguyen", "Kowalski", "Dubois", "Silva",
        "Yamada", "Jensen", "Haddad", "Murphy", "Lindqvist", "Moreau", "Costa"]
SITES = ["trailnotes", "peakpursuits", "campfirereviews", "gearlab", "wildmiles", "summitdaily",
         "outdoorfam", "hikehub", "runfar", "backcountrybudget", "alpinestories", "coupondeals"]
COUNTRIES = ["US", "US", "US", "CA", "GB", "DE", "NL", "FR", "AU", "SE", "ES", "IE"]
METHODS = ["content", "social", "video", "email", "coupon", "comparison", "community"]
# Status mix for the 36 demo partners (the first is the documented demo login).
STATUS_PLAN = ["approved"] * 22 + ["applied"] * 7 + ["rejected"] * 3 + ["suspended"] * 2 + ["banned"] * 2

TERMS = """1. Promote the program honestly. Do not bid on our brand name in paid search.
2. Commissions become payable after each offer's hold period; refunded orders are reversed.
3. Payouts are made monthly once your approved balance reaches the program minimum.
4. Self-referrals, cookie stuffing and incentivised clicks are not allowed and void commissions.
5. Either side may end the partnership at any time; approved commissions are still paid."""
GUIDELINES = """- Use the banners and links from the portal; keep our logo unaltered.
- Disclose the partnership on every page or post that contains a link.
- Coupon codes are personal: do not post them on coupon aggregators without permission."""


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)
    skipped_events: bool = False

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    def summary(self) -> str:
        made = ", ".join(f"{n} {what}" for what, n in self.created.items()) or "nothing new"
        lines = [f"Demo data ready ({made})."]
        if self.skipped_events:
            lines.append("Click and conversion history already present; left as it is.")
        lines.append("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for email, role, _ in STAFF:
            lines.append(f"  {role:<8} {email}")
        lines.append(f"  partner  {DEMO_PARTNER_EMAIL}")
        lines.append(f"Demo API key (docs/integration.md, docs/api.md): {DEMO_API_KEY}")
        lines.append("API description: /api/v1/openapi.json")
        lines.append(f"Demo tracking link: /r/{DEMO_LINK_CODE}")
        return "\n".join(lines)


def _get_or_create(model, lookup: dict, defaults: dict, result: SeedResult, label: str):
    obj = db.session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **defaults)
        db.session.add(obj)
        db.session.flush()
        result.add(label)
    return obj


# The demo's logins, password and API key are published (README, docs/integration.md).
DEMO_ENVIRONMENTS = ("development", "testing")


class DemoRefused(PermissionDenied):
    pass


def refuse_production() -> None:
    """The demo program only ever goes into a development or testing database: its staff
    share the password ``demo-password`` and its full-scope API key is in the docs."""
    env = current_app.config.get("ENV_NAME")
    if env not in DEMO_ENVIRONMENTS:
        raise DemoRefused(
            f"The demo program is not loaded into a {env} configuration: its logins, password "
            "and API key are published. Load it into a development copy (APP_ENV=development) "
            "with its own DATABASE_URL.")


def seed(*, days: int, now: datetime, progress: Callable[[str], None] | None = None) -> SeedResult:
    refuse_production()
    say = progress or (lambda _msg: None)
    rng = random.Random(20261123)
    result = SeedResult()
    password_hash = hash_password(DEMO_PASSWORD)

    program = get_program()
    if program.name == "Partner Program":
        program.name = "Northwind Outdoor"
        program.timezone = "America/New_York"
        program.currency = "USD"
        program.min_payout = Decimal("50")
        program.support_email = "partners@northwind.example"
        program.address = "100 Summit Street, Denver, CO 80202, USA"
    for kind, title, body in (("terms", "Program terms", TERMS),
                              ("guidelines", "Partner guidelines", GUIDELINES)):
        _get_or_create(TermsVersion, {"kind": kind, "version": 1},
                       {"title": title, "body": body, "created_at": now - timedelta(days=days + 30)},
                       result, "terms versions")

    staff = {}
    for email, role, name in STAFF:
        staff[role] = _get_or_create(User, {"email": email},
                                     {"role": role, "name": name, "password_hash": password_hash,
                                      "created_at": now - timedelta(days=days + 30)}, result, "staff users")
    from ..models import ApiKey
    from .api_keys import hash_key

    _get_or_create(ApiKey, {"key_hash": hash_key(DEMO_API_KEY)},
                   {"name": "Demo shop (docs/integration.md)", "prefix": DEMO_API_KEY[:10],
                    "created_at": now - timedelta(days=days)}, result, "API keys")
    groups = {name: _get_or_create(PartnerGroup, {"name": name},
                                   {"description": desc, "is_default": default}, result, "groups")
              for name, desc, default in GROUPS}

    offers = []
    for spec in OFFERS:
        spec = dict(spec)
        spec.pop("conv_rate"), spec.pop("amount_range"), spec.pop("event", None)
        name = spec.pop("name")
        spec.setdefault("status", "active")
        offers.append(_get_or_create(Offer, {"name": name},
                                     {**spec, "created_at": now - timedelta(days=days + 20)},
                                     result, "offers"))

    say("Partners…")
    terms_versions = list(db.session.scalars(select(TermsVersion)))
    partners = []
    for i, status in enumerate(STATUS_PLAN):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        email = DEMO_PARTNER_EMAIL if i == 0 else f"{first}.{last}{i}@demo.test".lower()
        site = SITES[i % len(SITES)]
        if status == "applied":  # fresh applications waiting in the queue
            created = now - timedelta(days=i % 7, hours=rng.randint(1, 20))
        else:
            created = now - timedelta(days=days + 10 - i)
        group = groups["VIP"] if i % 9 == 1 else groups["Content creators"] if i % 5 == 2 else groups["Standard"]
        partner = db.session.scalar(select(Partner).where(Partner.email == email))
        if partner is None:
            partner = Partner(
                ref=new_partner_ref(), name=f"{first} {last}", email=email,
                display_name=f"{first} {last[0]}.", website=f"https://{site}{i}.example",
                promotion_methods=",".join(rng.sample(METHODS, 2)),
                country=COUNTRIES[i % len(COUNTRIES)], payout_method="paypal",
                payout_email=email, status=status,
                group_id=group.id if status in ("approved", "suspended") else None,
                signup_ip=f"203.0.113.{10 + i}", created_at=created,
                status_changed_at=created + timedelta(days=1),
                approved_at=created + timedelta(days=1) if status in ("approved", "suspended") else None,
                status_reason={"rejected": "Website content does not match the program.",
                               "suspended": "Traffic quality under review.",
                               "banned": "Cookie stuffing detected."}.get(status),
            )
            db.session.add(partner)
            db.session.flush()
            db.session.add(User(email=email, name=partner.name, role="partner", partner_id=partner.id,
                                password_hash=password_hash, created_at=created))
            for tv in terms_versions:
                db.session.add(TermsAcceptance(partner_id=partner.id, terms_version_id=tv.id,
                                               accepted_at=created, ip=partner.signup_ip))
            result.add("partners")
            if status != "applied":
                action = {"approved": "approve", "suspended": "approve", "rejected": "reject",
                          "banned": "ban"}[status]
                audit.record(audit.Actor.of(staff["manager"], "198.51.100.7"), f"partner.{action}",
                             "partner", partner.id, before={"status": "applied"},
                             after={"status": "approved" if action == "approve" else status},
                             now=created + timedelta(days=1))
        partners.append(partner)
    db.session.flush()
    _suspicious_applicant(partners, now, password_hash, result)
    _assess_risk(partners, now)

    say("Tracking links…")
    active_partners = [p for p in partners if p.status in ("approved", "suspended")]
    links = []
    for p in active_partners:
        existing = list(db.session.scalars(select(TrackingLink).where(TrackingLink.partner_id == p.id)))
        if existing:
            links.extend(existing)
            continue
        chosen = ([o for o in offers if o.status == "active"] if p.email == DEMO_PARTNER_EMAIL
                  else rng.sample(offers, rng.randint(1, 3)))
        for offer in chosen:
            code = (DEMO_LINK_CODE if p.email == DEMO_PARTNER_EMAIL and offer is chosen[0]
                    else _code(rng))
            link = TrackingLink(code=code, partner_id=p.id, offer_id=offer.id,
                                sub1=rng.choice([None, "sidebar", "newsletter", "review"]),
                                created_at=p.approved_at or p.created_at)
            db.session.add(link)
            links.append(link)
            result.add("tracking links")
    db.session.flush()

    demo_engine.configure(offers, partners, staff["manager"], now - timedelta(days=days + 5), result)
    say("Creatives, announcements…")
    from . import demo_partner_side

    star = next((p for p in partners if p.email == DEMO_PARTNER_EMAIL), None)
    links.extend(demo_partner_side.seed_content(offers, star, now, result, lambda: _code(rng)))

    demo_partner_ids = [p.id for p in partners]
    has_events = db.session.scalar(
        select(func.count()).select_from(Click).where(Click.partner_id.in_(demo_partner_ids)))
    if has_events:
        result.skipped_events = True
        demo_partner_side.rank(now)
        return result

    say(f"{days} days of clicks, conversions and commissions…")
    _seed_events(rng, links, offers, days, now, result)
    say("Daily rollups…")
    from . import rollups

    rollups.rebuild()
    say("Payout batches…")
    _seed_payouts(now, staff, result)
    demo_partner_side.rank(now)
    return result


def _suspicious_applicant(partners, now, password_hash, result) -> None:
    """One applicant the risk signals should catch: a throwaway address, and the payout
    account and sign-up address of a banned demo partner."""
    email = "quick.cash@mailinator.com"
    if db.session.scalar(select(Partner.id).where(Partner.email == email)) is not None:
        return
    banned = next(p for p in partners if p.status == "banned")
    created = now - timedelta(hours=3)
    partner = Partner(ref=new_partner_ref(), name="Rick Risky", email=email,
                      website="https://best-deals-now.example", promotion_methods="coupon",
                      country="US", payout_method="paypal", payout_email=banned.payout_email,
                      status="applied", signup_ip=banned.signup_ip, created_at=created,
                      status_changed_at=created)
    db.session.add(partner)
    db.session.flush()
    db.session.add(User(email=email, name=partner.name, role="partner", partner_id=partner.id,
                        password_hash=password_hash, created_at=created))
    result.add("partners")
    partners.append(partner)


def _assess_risk(partners, now) -> None:
    """Risk signals for demo partners that have none yet (the queue shows them)."""
    from ..models import PartnerRisk
    from . import risk

    assessed = set(db.session.scalars(select(PartnerRisk.partner_id)))
    for partner in partners:
        if partner.id not in assessed:
            risk.assess(partner, now=partner.created_at)


def _seed_payouts(now: datetime, staff: dict, result: SeedResult) -> None:
    """A settled batch from a month ago and this month's draft (canceled when nobody is
    due a payout yet, as on a short history), the first time only."""
    from ..models import PayoutBatch
    from . import payout_batches, payouts

    if db.session.scalar(select(func.count()).select_from(PayoutBatch)):
        return
    finance = audit.Actor.of(staff["finance"], "198.51.100.9")
    owner = audit.Actor.of(staff["owner"], "198.51.100.8")
    today = now.astimezone(payout_batches.program_zone()).date()
    old, _ = payout_batches.create_batch(today - timedelta(days=30), actor=finance,
                                         now=now - timedelta(days=29))
    if not old.payouts:  # a short history: nothing was payable a month ago
        payouts.cancel_batch(old.id, actor=finance, now=now - timedelta(days=28))
    else:
        payouts.approve_batch(old.id, actor=owner, now=now - timedelta(days=28))
    for i, payout in enumerate(list(old.payouts)):
        payouts.mark_sent(payout.id, f"PP-DEMO-{old.id:04d}", actor=finance,
                          now=now - timedelta(days=27))
        if i == 1:
            payouts.mark_failed(payout.id, "PayPal account closed.", actor=finance,
                                now=now - timedelta(days=25))
        else:
            payouts.mark_paid(payout.id, None, actor=finance, now=now - timedelta(days=25))
    draft, _ = payout_batches.create_batch(today - timedelta(days=1), actor=finance, now=now)
    if not draft.payouts:  # nothing to review: the demo ships no empty draft
        payouts.cancel_batch(draft.id, actor=finance, now=now)
    result.add("payout batches", 2)


def _code(rng: random.Random) -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    while True:
        code = "".join(rng.choice(alphabet) for _ in range(7))
        if db.session.scalar(select(TrackingLink.id).where(TrackingLink.code == code)) is None:
            return code


# Fraud the demo plants in its last three weeks, so the review queue has real cases: a few
# conversions seconds after their click (a script), a few from a bot's click, and a few
# customers another partner was just credited with.
FRAUD_DAYS = 21
FRAUD_SEED = 20261124
FAST_SHARE = 0.02  # of sales
BOT_SHARE = 0.01  # of bot clicks
SHARED_CUSTOMER_SHARE = 0.01  # of sales


def _seed_events(rng, links, offers, days, now, result) -> None:
    codec = codec_for(current_app.config)
    spec_by_offer = {o.id: spec for o, spec in zip(offers, OFFERS)}
    offer_by_id = {o.id: o for o in offers}
    partner_status = {p.id: p.status for p in db.session.scalars(select(Partner))}
    star_id = db.session.scalar(select(Partner.id).where(Partner.email == DEMO_PARTNER_EMAIL))
    fraud = random.Random(FRAUD_SEED)  # its own stream: the rest of the history stays the same
    fraud_since = now - timedelta(days=FRAUD_DAYS)
    clicks: list[dict] = []
    conversions: list[dict] = []
    recent_customers: list[tuple[int, str]] = []  # (partner, customer) of recent sales
    order_no = 100000
    for link in links:
        offer = offer_by_id[link.offer_id]
        spec = spec_by_offer[offer.id]
        popularity = 45 if link.partner_id == star_id else rng.uniform(2, 30)
        start = max(link.created_at, now - timedelta(days=days))
        for day in range(days):
            day_start = now - timedelta(days=days - day)
            if day_start < start:
                continue
            if offer.status == "paused" and day > days - 20:
                continue
            if partner_status[link.partner_id] == "suspended" and day > days - 10:
                continue
            weekly = 1.25 if day_start.weekday() in (5, 6) else 1.0
            n = max(0, int(rng.gauss(popularity * weekly * (0.6 + day / days), popularity / 3)))
            for _ in range(n):
                at = day_start + timedelta(seconds=rng.randint(0, 86399))
                if at > now:
                    continue
                is_bot = rng.random() < 0.03
                token = codec.encode(link.partner_id, offer.id, link.id, at)
                clicks.append(dict(token=token, link_id=link.id, partner_id=link.partner_id,
                                   offer_id=offer.id, created_at=at,
                                   ip=f"198.51.100.{rng.randint(1, 254)}",
                                   user_agent="Googlebot/2.1" if is_bot else "Mozilla/5.0 (demo)",
                                   sub1=link.sub1, is_bot=is_bot, is_unique=rng.random() < 0.85))
                converts = not is_bot and rng.random() < spec["conv_rate"]
                bot_sale = is_bot and at >= fraud_since and fraud.random() < BOT_SHARE
                if converts or bot_sale:
                    draw = rng if converts else fraud  # planted sales leave the history as it is
                    order_no += 1
                    occurred = at + timedelta(minutes=draw.randint(2, 60 * 24 * 3))
                    if converts and at >= fraud_since and fraud.random() < FAST_SHARE:
                        occurred = at + timedelta(seconds=fraud.randint(2, 8))
                    if occurred > now:
                        continue
                    low, high = spec["amount_range"]
                    amount = Decimal(draw.randint(low * 100, high * 100)) / 100 if high else Decimal("0")
                    customer = f"cust-{draw.randint(1, 5000)}-{order_no}"
                    others = [c for p, c in recent_customers[-50:] if p != link.partner_id]
                    if at >= fraud_since and others and fraud.random() < SHARED_CUSTOMER_SHARE:
                        customer = fraud.choice(others)
                    if at >= fraud_since:
                        recent_customers.append((link.partner_id, customer))
                    conversions.append(dict(
                        offer_id=offer.id, order_id=f"NW-{order_no}", click_token=token,
                        event=spec.get("event", "sale"), amount=amount,
                        customer_id=customer, occurred_at=occurred))
    for i in range(0, len(clicks), 5000):
        db.session.execute(insert(Click), clicks[i:i + 5000])
    result.add("clicks", len(clicks))
    demo_engine.record_history(conversions, offer_by_id, rng, now, result)
