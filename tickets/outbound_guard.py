"""The outbound guard: what an agent's public reply, a macro or an e-mail template asks a customer
for that real support never asks for (DOMAIN.md: "we never ask for your password, 2FA code or
remote access"). Pure Python: text in, reasons out.

A sentence is refused when it asks (a request verb a few words before the secret, or "what is your
…") and does not warn: a sentence that says "never", "do not", "绝不", "切勿" before the secret, or
that speaks of scams and of "anyone", is the warning every reply should carry and passes.
Remote-access software (AnyDesk, TeamViewer…) is refused wherever it is named outside a warning.
"""

import re

from django.utils.translation import gettext as _

SEED = "seed_phrase"
PRIVATE_KEY = "private_key"
PASSWORD = "password"
CODE = "code"
REMOTE = "remote_access"

# The secrets, English and Chinese. A noun phrase per kind.
NOUNS = {
    SEED: (
        r"(?:seed|recovery|secret|mnemonic|backup|wallet|restore|12|24|twelve|twenty[\s-]*four)"
        r"[\s-]*(?:word[\s-]*)?(?:phrases?|words)|mnemonics?|助记词|种子短语|种子词|恢复短语|恢复词|备份短语"
    ),
    PRIVATE_KEY: (
        r"private[\s_-]*keys?|priv[\s_-]*keys?|keystore|wallet\s+file|私钥|秘钥|api[\s_-]*secret|secret[\s_-]*key"
    ),
    PASSWORD: r"pass(?:word|code|phrase)s?|login\s+pin|\bpin\b|登录密码|交易密码|资金密码|支付密码|密码",
    CODE: (
        r"(?:2fa|two[\s-]*factor|mfa|authenticator|google\s+authenticator|sms|text|otp|one[\s-]*time|"
        r"verification|security|6[\s-]*digit|login|email)[\s-]*(?:codes?|pins?|tokens?)|\botps?\b|\b2fa\b(?!\s+(?:settings|reset|setup|device))|"
        r"验证码|谷歌验证|动态码|二次验证码|安全码|短信码"
    ),
}
# Verbs that ask someone to hand a thing over. "enter"/"type"/"input" only for a seed phrase or a
# key: "enter the code from your app when you log in" is an ordinary instruction; entering a
# seed phrase anywhere a support agent points to never is.
GIVE = (
    r"send|give|share|provide|tell|forward|paste|submit|e-?mail|text|dm|message|reply\s+with|"
    r"write|read\s+(?:out|back)|let\s+(?:me|us)\s+(?:know|have)|need|require|want|ask\s+for|"
    r"confirm|verify|validate|upload|show"
)
ENTER = r"enter|type|input|fill\s+in|import|sync|connect"
GIVE_ZH = (
    r"提供|发送|发给|发我|发一下|发过来|告诉|给我|给我们|回复|提交|私信|说出|报一下|报给|"
    r"索要|索取|需要|核实|验证|确认|截图|拍照|上传"
)
ENTER_ZH = r"输入|填写|填入|导入|同步"
# Between the verb and the secret only words that keep it the verb's object ("send us your full
# seed phrase"); "tell us when you changed your password" or "provide the e-mail linked to your
# 2FA" ask for something else.
BETWEEN = (
    r"me|us|over|back|here|now|please|kindly|just|quickly|immediately|again|your|ur|the|a|an|this|that|"
    r"these|those|all|of|with|full|complete|current|exact|correct|entire|whole|valid|wallet|wallet's|"
    r"account|exchange|login|new|old|secret|private|phone|app|mobile|email|e-mail|\d+[\w-]*|twelve|"
    r"twenty-four|word|words"
)
WORDS_BETWEEN = rf"(?:[\s,]+(?:{BETWEEN})\b){{0,6}}[\s,]+"
# The same in Chinese: what turns the sentence to another question breaks the request.
BETWEEN_ZH = (
    r"(?:(?!是否|有没有|有无|如何|怎么|怎样|哪|何时|什么时候|收到|关于|重置|修改|更改|找回|"
    r"绑定|解绑|开启|关闭|忘记)[^。！？!?；;\n])"
)
NOUN_END = r"(?![\w-])"


def _request(verbs: str, nouns: str) -> re.Pattern:
    return re.compile(rf"\b(?:{verbs})\b{WORDS_BETWEEN}(?:{nouns}){NOUN_END}", re.IGNORECASE)


def _request_zh(verbs: str, nouns: str) -> re.Pattern:
    return re.compile(rf"(?:{verbs}){BETWEEN_ZH}{{0,12}}?(?:{nouns})", re.IGNORECASE)


ASKS = {
    SEED: [
        _request(f"{GIVE}|{ENTER}", NOUNS[SEED]),
        _request_zh(f"{GIVE_ZH}|{ENTER_ZH}", NOUNS[SEED]),
    ],
    PRIVATE_KEY: [
        _request(f"{GIVE}|{ENTER}", NOUNS[PRIVATE_KEY]),
        _request_zh(f"{GIVE_ZH}|{ENTER_ZH}", NOUNS[PRIVATE_KEY]),
    ],
    PASSWORD: [_request(GIVE, NOUNS[PASSWORD]), _request_zh(GIVE_ZH, NOUNS[PASSWORD])],
    CODE: [_request(GIVE, NOUNS[CODE]), _request_zh(GIVE_ZH, NOUNS[CODE])],
}
# "What is your seed phrase?", "your password, please", "您的助记词是什么", "把密码发给我".
for kind in (SEED, PRIVATE_KEY, PASSWORD, CODE):
    ASKS[kind].append(
        re.compile(
            rf"\bwhat(?:\s+is|'s|’s|\s+are)\s+(?:your|the)\s+(?:\w+\s+){{0,2}}?(?:{NOUNS[kind]})|"
            rf"(?:your|the)\s+(?:\w+\s+){{0,2}}?(?:{NOUNS[kind]})\s*,?\s*(?:please|pls|asap)\b|"
            rf"(?:{NOUNS[kind]})[^。！？!?\n]{{0,4}}(?:是什么|是多少|多少)|"
            rf"把[^。！？!?\n]{{0,6}}(?:{NOUNS[kind]})[^。！？!?\n]{{0,6}}(?:发|给|告诉|提供|输入|填)",
            re.IGNORECASE,
        )
    )
REMOTE_TOOLS = re.compile(
    r"any\s*desk|team\s*viewer|rust\s*desk|ultra\s*viewer|any\s*viewer|splashtop|screenconnect|"
    r"supremo|chrome\s+remote\s+desktop|quick\s*assist|logmein|remote\s*utilities|ammyy|"
    r"向日葵|todesk|remote\s+(?:desktop|access|control|session|support\s+(?:app|tool|software))|"
    r"screen[\s-]*shar(?:e|ing)|share\s+your\s+screen|远程(?:控制|协助|桌面|软件|操作)|屏幕共享|共享屏幕",
    re.IGNORECASE,
)
# A warning, not a request: a negation before the secret, or talk of scams and strangers.
NEGATION = re.compile(
    r"\b(?:never|not|don't|dont|don’t|do\s+not|won't|won’t|will\s+not|no\s+one|nobody|no\s+(?:staff|agent|employee|one)|"
    r"nor|without|avoid|refuse|beware|scam\w*|phish\w*|fraud\w*|impersonat\w*|anyone|someone|fake)\b|"
    r"绝不|决不|绝对不|不会|不要|不可|不能|不得|不应|切勿|请勿|勿|永远不|从不|从来不|别|禁止|谨防|小心|任何人|有人|诈骗|骗子|钓鱼|冒充|假冒",
    re.IGNORECASE,
)
# Talk of scams warns wherever it stands ("if someone asks for your code, it is a scam").
SCAM = re.compile(r"\b(?:scam\w*|phish\w*|fraud\w*)\b|诈骗|骗子|骗局|钓鱼", re.IGNORECASE)
# Negations that warn of nothing ("don't worry, send us …").
HARMLESS_NEGATION = re.compile(
    r"\b(?:don't|dont|don’t|do\s+not)\s+(?:worry|hesitate|panic|forget\s+to)\b|\bno\s+(?:worries|problem)\b|"
    r"\bnot\s+(?:sure|yet)\b|不用担心|别担心|不要担心|没问题|不客气|别着急|不要着急|不用急",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.!?。！？;；\n]+[.!?。！？;；]*")


def _messages() -> dict[str, str]:
    return {
        SEED: _("Support never asks for a seed phrase (recovery words): remove that request."),
        PRIVATE_KEY: _("Support never asks for a private key or an API secret: remove that request."),
        PASSWORD: _("Support never asks for a password: remove that request."),
        CODE: _("Support never asks for a 2FA, SMS or verification code: remove that request."),
        REMOTE: _("Support never asks customers to install or use remote-access software: remove that request."),
    }


def _warns(sentence: str, before: int) -> bool:
    cleaned = HARMLESS_NEGATION.sub(lambda m: " " * len(m.group()), sentence)
    return NEGATION.search(cleaned, 0, before) is not None or SCAM.search(cleaned) is not None


def outbound_kinds(text: str) -> list[str]:
    """The kinds of secret the text asks for, in a stable order."""
    if not text:
        return []
    found: set[str] = set()
    for match in SENTENCE.finditer(text):
        sentence = match.group()
        for kind, patterns in ASKS.items():
            if kind in found:
                continue
            for pattern in patterns:
                ask = pattern.search(sentence)
                if ask and not _warns(sentence, ask.end()):
                    found.add(kind)
                    break
        if REMOTE not in found:
            tool = REMOTE_TOOLS.search(sentence)
            if tool and not _warns(sentence, len(sentence)):
                found.add(REMOTE)
    return [kind for kind in (SEED, PRIVATE_KEY, PASSWORD, CODE, REMOTE) if kind in found]


def outbound_problems(text: str, language: str | None = None) -> list[str]:
    """Why the text cannot go to a customer, in the active language; empty when it can.
    `language` is accepted for symmetry with the callers; the patterns cover English and Chinese
    whatever the ticket's language (agents mix them)."""
    messages = _messages()
    return [messages[kind] for kind in outbound_kinds(text)]
