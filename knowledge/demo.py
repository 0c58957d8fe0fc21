"""Help articles and the official contacts for the demo."""

from tickets.models import Category

from .models import Article, OfficialContact

ARTICLES = [
    (
        "deposit-not-credited",
        "en",
        "deposit_missing",
        "My crypto deposit has not arrived",
        """Most missing deposits are waiting for **network confirmations** or were sent with a
problem we can fix.

1. Check the transaction on a block explorer with its **transaction hash (TxID)**.
2. Make sure you sent on the **network** shown on the deposit page (e.g. USDT on Tron, not on Ethereum).
3. For XRP, check that you included the **destination tag**.
4. Deposits below the minimum amount are credited together with your next deposit.

If the transaction is confirmed and still not credited after 1 hour, file a ticket with the TxID.""",
    ),
    (
        "withdrawal-delayed",
        "en",
        "withdrawal_delayed",
        "Why is my withdrawal delayed?",
        """Withdrawals can be held for your protection: **24 hours** after a password change or
2FA reset, and new withdrawal addresses may be held too. Network congestion can also slow
confirmations. Check our incident banner: if a network has a known problem, the expected fix time
is shown there.""",
    ),
    (
        "find-transaction-hash",
        "en",
        None,
        "How to find your transaction hash (TxID)",
        """The TxID is the unique identifier of a blockchain transfer. Open the withdrawal history of the
wallet or exchange you sent from and copy the **TxID** (also called transaction hash). On Ethereum
and EVM chains it starts with `0x`; on Bitcoin and Tron it is 64 letters and digits.""",
    ),
    (
        "lost-2fa",
        "en",
        "account_locked",
        "I lost access to my 2FA device",
        """Use **I can't log in** on the contact page: you only need your e-mail address. We will verify
your identity and reset 2FA. For your safety, withdrawals are paused for 48 hours after a reset.""",
    ),
    (
        "never-share-seed-phrase",
        "en",
        "account_compromised",
        "We will never ask for your seed phrase",
        """Nobody from our support will ever ask for your **password, 2FA codes, seed phrase or private
keys**, or ask you to install remote-access software. Check any contact with our
**Is this really us?** page. Every e-mail from us shows your anti-phishing code.""",
    ),
    (
        "deposit-not-credited-zh",
        "zh-hans",
        "deposit_missing",
        "我的充值还没有到账",
        """大多数未到账的充值是在等待**区块确认**，或者存在可以修复的问题。

1. 使用**交易哈希 (TxID)** 在区块浏览器上查看该交易。
2. 确认您使用了充值页面显示的**网络**（例如 Tron 网络的 USDT，而不是以太坊）。
3. XRP 充值请确认填写了**目标标签 (Destination tag)**。

如果交易已确认但 1 小时后仍未到账，请提交工单并附上 TxID。""",
    ),
    (
        "withdrawal-delayed-zh",
        "zh-hans",
        "withdrawal_delayed",
        "为什么我的提现延迟了？",
        """为保护您的资产，修改密码或重置双重验证后，提现会被暂停 **24 小时**。网络拥堵也会导致确认变慢。
请查看页面顶部的故障公告：如果某个网络存在已知问题，我们会显示预计修复时间。""",
    ),
    (
        "never-share-seed-phrase-zh",
        "zh-hans",
        "account_compromised",
        "我们绝不会索要您的助记词",
        """我们的客服**绝不会**向您索要密码、双重验证码、助记词或私钥，也不会要求您安装远程控制软件。
请使用“核实官方联系方式”页面检查任何联系人。我们发出的每封邮件都包含您的防钓鱼码。""",
    ),
]

CONTACTS = [
    ("email", "support@desk.example", "Support e-mail"),
    ("domain", "desk.example", "Our website and e-mail domain"),
    ("telegram", "exchangesupport", "Official Telegram support account"),
    ("phone", "18005550199", "Support hotline"),
]


def ensure_demo_help_center() -> None:
    categories = {category.code: category for category in Category.objects.all()}
    for slug, language, category, title, body in ARTICLES:
        Article.objects.update_or_create(
            slug=slug,
            defaults={
                "language": language,
                "category": categories.get(category) if category else None,
                "title": title,
                "body": body,
                "is_published": True,
            },
        )
    for channel, value, label in CONTACTS:
        OfficialContact.objects.update_or_create(channel=channel, value=value, defaults={"label": label})
