"""Demo data per CONTRACT.md "Demo data", for every app (so it lives in the top layer, desk).
Idempotent: run it as often as you like."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import AgentProfile, CustomerProfile, Role, User
from accounts.roles import grant_role
from incidents.demo import ensure_demo_incident
from knowledge.demo import ensure_demo_help_center
from sla.backlog import backlog_snapshot_take
from sla.complaints.services import complaint_progress_update
from sla.defaults import ensure_default_policy
from sla.demo import ensure_demo_complaint_policy
from tickets import services
from tickets.models import AssetThreshold, Category, Macro, Priority, Team, Ticket

TEAMS = [
    ("general", "General support"),
    ("payments", "Payments"),
    ("security", "Security"),
]

# code, name, name (zh-hans), team, priority, required fields, optional fields, description
CATEGORIES = [
    (
        "deposit_missing",
        "Deposit not credited",
        "充值未到账",
        "payments",
        Priority.HIGH,
        ["asset", "network", "amount", "txid"],
        ["address", "memo"],
        "A crypto deposit that has not reached your account.",
    ),
    (
        "withdrawal_delayed",
        "Withdrawal delayed or not received",
        "提现延迟或未到账",
        "payments",
        Priority.HIGH,
        ["asset", "network", "amount"],
        ["txid", "address", "memo"],
        "A withdrawal that is pending, stuck or did not arrive.",
    ),
    (
        "account_locked",
        "Account locked or 2FA lost",
        "账户被锁定或丢失双重验证",
        "general",
        Priority.HIGH,
        [],
        [],
        "You cannot log in, or lost access to your 2FA device.",
    ),
    (
        "kyc_verification",
        "Identity verification (KYC)",
        "身份认证 (KYC)",
        "general",
        Priority.NORMAL,
        [],
        [],
        "Questions or problems with identity verification.",
    ),
    (
        "trade_dispute",
        "Trade or order dispute",
        "交易或订单争议",
        "general",
        Priority.NORMAL,
        ["order_id"],
        ["asset", "amount"],
        "An order that filled wrongly, or a P2P dispute.",
    ),
    (
        "account_compromised",
        "Account compromised / unauthorised activity",
        "账户被盗 / 未授权操作",
        "security",
        Priority.URGENT,
        [],
        ["asset", "network", "amount", "txid", "address"],
        "Someone else is using your account, or you see activity that is not yours.",
    ),
    ("api", "API", "API 接口", "general", Priority.NORMAL, [], [], "Problems with API keys or requests."),
    ("fees", "Fees", "手续费", "general", Priority.LOW, [], ["asset", "amount"], "Questions about fees."),
    ("other", "Something else", "其他问题", "general", Priority.NORMAL, [], [], "Anything that fits nowhere else."),
]

DESCRIPTIONS_ZH = {
    "deposit_missing": "加密货币充值尚未到达您的账户。",
    "withdrawal_delayed": "提现处理中、卡住或未到账。",
    "account_locked": "无法登录，或丢失了双重验证设备。",
    "kyc_verification": "身份认证的问题或疑问。",
    "trade_dispute": "订单成交异常，或 P2P 交易纠纷。",
    "account_compromised": "有人正在使用您的账户，或出现了不是您本人的操作。",
    "api": "API 密钥或请求相关的问题。",
    "fees": "关于手续费的问题。",
    "other": "其他任何问题。",
}

THRESHOLDS = {"BTC": "1", "ETH": "20", "USDT": "50000", "USDC": "50000", "SOL": "500", "XRP": "100000"}

MACROS = [
    (
        "Ask for the transaction hash",
        None,
        False,
        "pending_customer",
        "Hello {customer_name}, to trace this we need the transaction hash (txid) of the transfer. "
        "You find it in the sending wallet's history. Reference: {reference}.",
    ),
    (
        "Deposit credited",
        "payments",
        False,
        "solved",
        "Hello {customer_name}, your deposit has been credited to your account. Reference: {reference}.",
    ),
    (
        "Withdrawal on a security hold",
        "payments",
        False,
        "on_hold",
        "Hello {customer_name}, your withdrawal is on a 24-hour security hold after a recent password change. "
        "It will be released automatically; no action is needed from you.",
    ),
    (
        "Escalate to tier 2",
        None,
        True,
        "",
        "Escalating to tier 2: customer has supplied all details, needs a ledger check.",
    ),
]


# Checked by tests/tickets/test_demo.py with tickets.networks.validate_identifier: the demo must pass
# the portal's own checks. Hashes are sha256 digests of a phrase; addresses carry real checksums.
DEMO_IDENTIFIERS = {
    "tron_txid": "90e060daabd4d993a94a39eeffcfcd04da4e01b843b78f7e533189ab55b32e96",
    "tron_address": "TPsCisUSVvfd6fBzhprUZasdGJk2cFuWAn",
    "bitcoin_address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    "ethereum_txid": "0x158fc84c9ee14e1e72f3d38f2c72f2e2fedf2633afeca2b0f98f16cf325e2b42",
    "ethereum_address": "0x4cd49bbe92e54d865e6ad85c4a1f009c42eb2b16",
    "xrp_txid": "7a2306a8000fd8b6d1c477cc8022695e0f3c1bbefd22982b775665adc816b614",
    "xrp_address": "rN4PzZaTR7wNiaetnJSKy9ddEpJGjmtw9z",
    "xrp_destination_tag": "104857",
}


class Command(BaseCommand):
    help = "Create or refresh the demo accounts, teams, categories, macros and tickets."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        password = settings.DEMO_PASSWORD
        now = timezone.now()

        def user(username: str, *, first: str, email: str, role: Role, superuser: bool = False) -> User:
            account, _ = User.objects.get_or_create(username=username, defaults={"email": email, "first_name": first})
            account.email = email
            account.first_name = first
            account.is_superuser = superuser
            account.is_staff = superuser or role in (Role.LEAD, Role.ADMIN)
            account.set_password(password)
            account.save()
            grant_role(account, role)
            return account

        alice = user("alice", first="Alice", email="alice@example.com", role=Role.CUSTOMER)
        bob = user("bob", first="Bob", email="bob@example.com", role=Role.CUSTOMER)
        CustomerProfile.objects.update_or_create(
            user=alice, defaults={"tier": "standard", "exchange_uid": "U10000001", "anti_phishing_code": "ALICE-7F3K"}
        )
        CustomerProfile.objects.update_or_create(
            user=bob,
            defaults={
                "tier": "vip",
                "exchange_uid": "U10000002",
                "language": "zh-hans",
                "anti_phishing_code": "BOB-88Q2",
            },
        )
        agent1 = user("agent1", first="Ana", email="agent1@desk.example", role=Role.AGENT)
        agent2 = user("agent2", first="Ben", email="agent2@desk.example", role=Role.AGENT)
        secagent = user("secagent", first="Sam", email="secagent@desk.example", role=Role.AGENT)
        lead = user("lead", first="Lee", email="lead@desk.example", role=Role.LEAD)
        user("admin", first="Ada", email="admin@desk.example", role=Role.ADMIN, superuser=True)
        for agent, tier, languages in (
            (agent1, "tier1", ["en"]),
            (agent2, "tier2", ["en", "zh-hans"]),
            (secagent, "specialist", ["en"]),
        ):
            AgentProfile.objects.update_or_create(user=agent, defaults={"tier": tier, "languages": languages})

        teams = {}
        for code, name in TEAMS:
            team, _ = Team.objects.update_or_create(
                code=code, defaults={"name": name, "lead": lead, "routing": Team.Routing.OFF}
            )
            teams[code] = team
        teams["general"].members.set([agent1, agent2])
        teams["payments"].members.set([agent1, agent2])
        teams["security"].members.set([secagent])

        for position, (code, name, name_zh, team, priority, required, optional, description) in enumerate(CATEGORIES):
            Category.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "name_zh_hans": name_zh,
                    "description": description,
                    "description_zh_hans": DESCRIPTIONS_ZH.get(code, ""),
                    "default_team": teams[team],
                    "default_priority": priority,
                    "required_fields": required,
                    "optional_fields": optional,
                    "position": position * 10,
                    "is_active": True,
                },
            )
        for asset, amount in THRESHOLDS.items():
            AssetThreshold.objects.update_or_create(asset=asset, defaults={"amount": Decimal(amount)})
        for name, team, internal, status, body in MACROS:
            Macro.objects.update_or_create(
                name=name,
                defaults={
                    "team": teams[team] if team else None,
                    "internal": internal,
                    "set_status": status,
                    "body": body,
                    "created_by": lead,
                },
            )

        ensure_default_policy()
        ensure_demo_complaint_policy()
        ensure_demo_help_center()
        ensure_demo_incident()
        created = 0
        if not Ticket.objects.filter(requester__in=[alice, bob]).exists():
            created = self._tickets(alice=alice, bob=bob, agent1=agent1, agent2=agent2, secagent=secagent, now=now)
        # Apart from the others, so a demo seeded before complaints existed gets one too.
        if not Ticket.objects.filter(requester__in=[alice, bob], is_complaint=True).exists():
            created += self._complaint(alice=alice, agent2=agent2, now=now)
        backlog_snapshot_take(now=timezone.now())  # the report's backlog starts with today's count
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: 7 accounts (password {password!r}), {len(TEAMS)} teams, "
                f"{len(CATEGORIES)} categories, {len(MACROS)} macros, the default 24x7 SLA policy, "
                f"a formal complaint policy, help articles, "
                f"{created} new tickets."
            )
        )

    def _tickets(self, *, alice, bob, agent1, agent2, secagent, now) -> int:
        """A queue that looks like a real morning, measured against the default 24x7 policy at the
        moment of seeding (one `sla_sweep` later): one ticket breached, one warned (past 75 % of
        its first-response target), the rest on track, one waiting on the customer and one solved.
        Every transaction hash, address and tag passes the portal's own validator."""
        category = {c.code: c for c in Category.objects.all()}
        fields = services.TicketFields

        def minutes_ago(count: int):
            return now - timedelta(minutes=count)

        def create(requester, code, subject, body, at, **extra):
            return services.ticket_create(
                requester=requester, category=category[code], subject=subject, body=body, fields=fields(**extra), now=at
            )

        # On track: answered 28 minutes ago; the next update is due within 4 hours (high priority).
        deposit = create(
            alice,
            "deposit_missing",
            "USDT deposit not credited after 2 hours",
            "I sent 250 USDT on Tron two hours ago. The explorer shows it confirmed but my balance is unchanged.",
            minutes_ago(35),
            asset="USDT",
            network="tron",
            amount=Decimal("250"),
            txid=DEMO_IDENTIFIERS["tron_txid"],
            address=DEMO_IDENTIFIERS["tron_address"],
        )
        services.ticket_claim(ticket=deposit, agent=agent1, now=minutes_ago(30))
        services.message_add(
            ticket=deposit,
            author=agent1,
            body="Hello Alice, the transfer is confirmed on chain; I am asking our wallet team to credit it.",
            now=minutes_ago(28),
        )
        # Breached: a VIP's large withdrawal (urgent), answered in time, but no update for hours.
        delayed = create(
            bob,
            "withdrawal_delayed",
            "BTC withdrawal pending since this morning",
            "My withdrawal of 1.5 BTC has been 'processing' for five hours.",
            minutes_ago(300),
            asset="BTC",
            network="bitcoin",
            amount=Decimal("1.5"),
            address=DEMO_IDENTIFIERS["bitcoin_address"],
        )
        services.ticket_claim(ticket=delayed, agent=agent1, now=minutes_ago(296))
        services.message_add(
            ticket=delayed,
            author=agent1,
            body="Hello Bob, I am checking this with our wallet team now.",
            now=minutes_ago(290),
        )
        services.message_add(
            ticket=delayed,
            author=agent1,
            body="Wallet team says the batch was stuck; re-broadcasting.",
            internal=True,
            now=minutes_ago(280),
        )
        # Waiting on the customer: the clocks are paused.
        waiting = create(
            alice,
            "kyc_verification",
            "Verification rejected twice",
            "My passport photo keeps getting rejected.",
            minutes_ago(180),
        )
        services.ticket_claim(ticket=waiting, agent=agent2, now=minutes_ago(165))
        services.message_add(
            ticket=waiting,
            author=agent2,
            body="Hello Alice, please upload a photo of the passport's data page without glare.",
            now=minutes_ago(160),
        )
        services.ticket_change_status(
            ticket=waiting, actor=agent2, status=Ticket.Status.PENDING_CUSTOMER, now=minutes_ago(159)
        )
        solved = create(
            alice,
            "fees",
            "Why was I charged a withdrawal fee twice?",
            "Two fees appear for one withdrawal.",
            now - timedelta(days=1, hours=6),
        )
        services.message_add(
            ticket=solved,
            author=agent2,
            body="The second line is the network fee, shown separately; you were charged once.",
            now=now - timedelta(days=1, hours=2),
        )
        services.ticket_change_status(
            ticket=solved, actor=agent2, status=Ticket.Status.SOLVED, now=now - timedelta(days=1, hours=1)
        )
        # On track: urgent, answered within minutes; the next update is due within the hour.
        compromised = create(
            bob,
            "account_compromised",
            "Someone withdrew from my account",
            "I got a withdrawal e-mail I did not make, 0.3 ETH to an unknown address.",
            minutes_ago(20),
            asset="ETH",
            network="ethereum",
            amount=Decimal("0.3"),
            txid=DEMO_IDENTIFIERS["ethereum_txid"],
            address=DEMO_IDENTIFIERS["ethereum_address"],
        )
        services.ticket_claim(ticket=compromised, agent=secagent, now=minutes_ago(19))
        services.message_add(
            ticket=compromised,
            author=secagent,
            body="Hello Bob, we have frozen withdrawals on your account. Please change your password now.",
            now=minutes_ago(17),
        )
        # Warned: nobody has answered for 190 of the 240 minutes promised (normal priority).
        create(
            alice,
            "trade_dispute",
            "Limit order filled at the wrong price",
            "Order 88123 filled far below my limit.",
            minutes_ago(190),
            order_id="88123",
        )
        # On track: just filed, waiting for a claim; with its destination tag.
        create(
            alice,
            "deposit_missing",
            "XRP deposit missing",
            "I sent 1,200 XRP with my destination tag ten minutes ago; it is not in my balance.",
            minutes_ago(8),
            asset="XRP",
            network="xrp",
            amount=Decimal("1200"),
            txid=DEMO_IDENTIFIERS["xrp_txid"],
            address=DEMO_IDENTIFIERS["xrp_address"],
            memo=DEMO_IDENTIFIERS["xrp_destination_tag"],
        )
        return 7

    def _complaint(self, *, alice, agent2, now) -> int:
        """A formal complaint filed 90 minutes ago under the demo's EU MiCA policy: acknowledged at
        once (the letter goes out when it is received), claimed, with one progress update."""
        received = now - timedelta(minutes=90)
        complaint = services.ticket_create(
            requester=alice,
            category=Category.objects.get(code="trade_dispute"),
            subject="Formal complaint: my stop-loss order did not trigger",
            body="I am making a formal complaint. My stop-loss on order 88457 did not trigger when the price "
            "passed it yesterday, and I lost about 900 USDT. I want this investigated and the loss refunded.",
            fields=services.TicketFields(order_id="88457"),
            is_complaint=True,
            now=received,
        )
        services.ticket_claim(ticket=complaint, agent=agent2, now=received + timedelta(minutes=10))
        complaint_progress_update(
            ticket=complaint,
            author=agent2,
            progress="We are reviewing the order book and the trigger logs for order 88457.",
            eta=now + timedelta(days=5),
            now=received + timedelta(minutes=15),
        )
        return 1
