"""Forms for offers, their commission rules and caps. The services validate the values
(and name the field at fault); these forms only carry them."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ...models.caps import CAP_METRICS, CAP_PERIODS
from ...services.commission_rules import REGISTRY
from ..auth.forms import MultiCheckboxField


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
              "JPY", "INR", "SGD", "HKD", "BRL", "MXN", "ZAR", "AED", "BHD", "KWD"]
EVENT_CHOICES = [("sale", "Sale"), ("lead", "Lead"), ("signup", "Signup"), ("renewal", "Renewal")]
RATE_CHOICES = [("percent", "Percent of the sale"), ("flat", "Flat amount")]
METRICS = {"conversions": "Conversions", "commission": "Commission amount", "clicks": "Clicks"}
PERIODS = {"day": "Day", "week": "Week (Monday to Sunday)", "month": "Calendar month",
           "lifetime": "Lifetime"}


class OfferForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=120)])
    description = TextAreaField("Description for partners", validators=[Optional(), Length(max=4000)])
    destination_url = StringField("Destination URL", validators=[Length(max=2000)],
                                  description="Where a click lands. http:// or https:// only.")
    allowed_domains = TextAreaField(
        "Allowed deep-link domains", validators=[Optional(), Length(max=5000)],
        description="One host name per line, such as blog.example.com. Deep links may point to "
                    "these and to the destination's own host, nowhere else.")
    currency = SelectField("Currency", choices=options([(c, c) for c in CURRENCIES]))
    cookie_window_days = StringField("Cookie window (days)",
                                     description="A conversion counts for the partner when it "
                                                 "comes fewer than this many days after the click.")
    attribution_model = SelectField("Attribution", choices=options(
        [("last_click", "Last click"), ("first_click", "First click")]))
    hold_days = StringField("Hold period (days)",
                            description="Commissions become payable this many days after the "
                                        "conversion, unless refunded or rejected first.")
    fallback_url = StringField("Fallback URL (optional)", validators=[Optional(), Length(max=2000)],
                               description="Where clicks go when a cap sends them away.")
    status = SelectField("Status", choices=options([("active", "Active"), ("paused", "Paused")]),
                         description="Pausing takes effect at once: the offer's links stop "
                                     "sending traffic.")
    default_commission_kind = SelectField("Default commission", choices=options(RATE_CHOICES))
    default_commission_value = StringField(
        "Default rate or amount",
        description="Paid when no rule of the commission structure covers the event.")
    group_ids = MultiCheckboxField("Groups that may promote it", coerce=int,
                                   description="None ticked: every approved partner may.")


def offer_form(groups, **kwargs) -> OfferForm:
    """An offer form with one cookie-window input per partner group."""

    class Form(OfferForm):
        pass

    for group in groups:
        setattr(Form, f"window_{group.id}", StringField(
            f"{group.name}", validators=[Optional()],
            description="Days; empty: the offer's window."))
    form = Form(**kwargs)
    form.group_ids.choices = options((g.id, g.name) for g in groups)
    if form.currency.data and form.currency.data not in CURRENCIES:
        form.currency.choices = options([(form.currency.data, form.currency.data)]) + list(
            form.currency.choices)
    form.window_fields = [getattr(form, f"window_{g.id}") for g in groups]
    return form


class RuleForm(FlaskForm):
    name = StringField("Rule name", validators=[Length(max=80)],
                       description="Shown in every commission it computes, e.g. VIP-sales.")
    kind = SelectField("Kind", choices=options([(k.kind, k.label) for k in REGISTRY.values()]))
    event = SelectField("Pays for", choices=options(EVENT_CHOICES))
    scope = SelectField("For", choices=options([("offer", "Everyone on this offer"),
                                        ("group", "One partner group (override)"),
                                        ("partner", "One partner (override)")]))
    group_id = SelectField("Group", coerce=int, validators=[Optional()])
    partner = StringField("Partner", validators=[Optional(), Length(max=254)],
                          description="The partner's email or reference.")
    is_active = BooleanField("Active", default=True)
    # The kind's own inputs are optional here: a browser does not send the ones it hides,
    # and the kind's parser names any that are missing.
    rate_kind = SelectField("Rate", choices=options(RATE_CHOICES), validators=[Optional()])
    value = StringField("Rate or amount", description="10 means 10 % (percent) or 10.00 (flat).")
    tiers = TextAreaField("Tiers", description="One per line: the conversion of the month it "
                                               "starts from, then the rate. \u201c1: 10\u201d then "
                                               "\u201c51: 12\u201d.")
    tier_mode = SelectField("A higher tier pays", validators=[Optional()], choices=options([
        ("excess", "only on conversions past its threshold"),
        ("all", "on all of the month's conversions (top-up)")]))
    months = StringField("Months", description="Renewals pay this many months after the "
                                               "customer's first sale. Empty: for life.")
    steps = TextAreaField("Steps", description="One per line: within the first N days, the share "
                                               "of the rate paid. \u201c7: 100\u201d then "
                                               "\u201c30: 50\u201d; nothing after the last.")
    count = StringField("At conversion number", description="The bonus comes with this conversion.")
    milestone_period = SelectField("Counted", validators=[Optional()], choices=options(
        [("month", "in a calendar month"), ("ever", "ever")]))
    amount = StringField("Bonus amount")

    SETTINGS = ("rate_kind", "value", "tiers", "tier_mode", "months", "steps", "count",
                "milestone_period", "amount")

    def settings(self) -> dict:
        return {name: getattr(self, name).data for name in self.SETTINGS}


class CapForm(FlaskForm):
    metric = SelectField("Counts", choices=options((m, METRICS[m]) for m in CAP_METRICS))
    period = SelectField("Per", choices=options((p, PERIODS[p]) for p in CAP_PERIODS),
                         description="In the program's time zone.")
    limit = StringField("Limit", description="A number of conversions or clicks, or an amount.")
    scope = SelectField("Counting", choices=options([("offer", "All partners together"),
                                             ("offer_partner", "Each partner (or one partner)"),
                                             ("group", "One group together")]))
    group_id = SelectField("Group", coerce=int, validators=[Optional()])
    partner = StringField("Partner (optional)", validators=[Optional(), Length(max=254)],
                          description="Email or reference; empty: every partner has their own count.")
    caps_conversions = BooleanField("Record conversions past the cap as capped (not payable)",
                                    default=True)
    redirects_clicks = BooleanField("Send clicks to the fallback URL once the cap is reached")
    is_active = BooleanField("Active", default=True)
