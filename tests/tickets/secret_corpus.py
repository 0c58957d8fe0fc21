"""A corpus of secrets and of look-alikes, made here from seeded random bytes: never a real key.

Secrets: BIP39 phrases of every length in all ten official wordlists (from random entropy through
the `mnemonic` package), WIF keys and extended private keys (base58check of random bytes with the
real version bytes), Solana keypairs (an ed25519 seed and its public key, as base58 and as the
JSON array of a key file), XRP family seeds (the ripple alphabet), hex keys, API secrets and 2FA
codes in the sentences customers write them in.

Look-alikes: txids and ETH hashes, addresses of every network the desk knows, Solana signatures
(64 bytes like a secret key), extended public keys, order ids, amounts, ordinary English and Chinese
support text, and runs of English words of which some are not in the wordlist.
"""

import json
import random
import unicodedata
from dataclasses import dataclass

import base58
import bech32m
from Crypto.PublicKey import ECC
from mnemonic import Mnemonic

from tickets import secret_guard as guard
from tickets.networks import eip55_checksum

rng = random.Random(20260512)

LANGUAGES = guard.BIP39_LANGUAGES
ENTROPY_BYTES = {12: 16, 15: 20, 18: 24, 21: 28, 24: 32}


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    secret: str = ""  # what must be gone after redaction
    kind: str = ""


def _bytes(size: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(size))


def _b58check(payload: bytes, alphabet: bytes = base58.BITCOIN_ALPHABET) -> str:
    return base58.b58encode_check(payload, alphabet=alphabet).decode()


def mnemonic(language: str, words: int) -> str:
    return Mnemonic(language).to_mnemonic(_bytes(ENTROPY_BYTES[words]))


def wif(*, compressed: bool, testnet: bool = False) -> str:
    payload = (b"\xef" if testnet else b"\x80") + _bytes(32) + (b"\x01" if compressed else b"")
    return _b58check(payload)


EXTENDED_VERSIONS = {
    "xprv": "0488ade4",
    "yprv": "049d7878",
    "zprv": "04b2430c",
    "tprv": "04358394",
    "uprv": "044a4e28",
    "vprv": "045f18bc",
}
EXTENDED_PUBLIC = {"xpub": "0488b21e", "ypub": "049d7cb2", "zpub": "04b24746", "tpub": "043587cf"}


def extended_private(prefix: str) -> str:
    body = _bytes(1) + _bytes(4) + _bytes(4) + _bytes(32) + b"\x00" + _bytes(32)
    return _b58check(bytes.fromhex(EXTENDED_VERSIONS[prefix]) + body)


def extended_public(prefix: str) -> str:
    body = _bytes(1) + _bytes(4) + _bytes(4) + _bytes(32) + b"\x02" + _bytes(32)
    return _b58check(bytes.fromhex(EXTENDED_PUBLIC[prefix]) + body)


def solana_keypair() -> bytes:
    seed = _bytes(32)
    public = ECC.construct(curve="Ed25519", seed=seed).public_key().export_key(format="raw")
    return seed + public


def xrp_seed(*, ed25519: bool = False) -> str:
    prefix = b"\x01\xe1\x4b" if ed25519 else b"\x21"
    return _b58check(prefix + _bytes(16), alphabet=base58.XRP_ALPHABET)


def _phrase_layouts(phrase: str, language: str) -> dict[str, str]:
    words = phrase.split("\u3000" if language == "japanese" else " ")
    return {
        "spaces": phrase,
        "numbered-lines": "\n".join(f"{n}. {word}" for n, word in enumerate(words, 1)),
        "commas": ", ".join(words),
    }


SEED_SENTENCES = [
    "Hi, my wallet is empty. These are my words: {secret}. Please help!",
    "您好，我的助记词是 {secret} 请帮我找回资产",
    "{secret}",
]


def secrets() -> list[Case]:
    cases: list[Case] = []
    for language in LANGUAGES:
        for words in ENTROPY_BYTES:
            phrase = mnemonic(language, words)
            for layout, secret in _phrase_layouts(phrase, language).items():
                template = SEED_SENTENCES[(words + len(layout)) % len(SEED_SENTENCES)]
                cases.append(
                    Case(
                        f"bip39-{language}-{words}-{layout}", template.format(secret=secret), secret, guard.SEED_PHRASE
                    )
                )
    # Twelve wordlist words with no valid checksum (or a typo'd phrase): still a phrase.
    for language in ("english", "spanish", "french", "japanese", "chinese_simplified"):
        wordlist = Mnemonic(language).wordlist
        for n in range(3):
            words = [rng.choice(wordlist) for _ in range(12)]
            secret = ("\u3000" if language == "japanese" else " ").join(words)
            cases.append(Case(f"bip39-no-checksum-{language}-{n}", f"words: {secret}", secret, guard.SEED_PHRASE))
    # Upper case and accents dropped, as people retype them.
    for n in range(3):
        phrase = mnemonic("english", 12).upper()
        cases.append(Case(f"bip39-english-upper-{n}", f"MY SEED {phrase}", phrase, guard.SEED_PHRASE))
        phrase = mnemonic("french", 12)
        bare = "".join(c for c in unicodedata.normalize("NFKD", phrase) if not unicodedata.combining(c))
        cases.append(Case(f"bip39-french-no-accents-{n}", f"mes mots: {bare}", bare, guard.SEED_PHRASE))
    for n in range(15):
        secret = wif(compressed=True)
        cases.append(
            Case(f"wif-compressed-{n}", f"Here is my key {secret} from my paper wallet", secret, guard.WIF_KEY)
        )
        secret = wif(compressed=False)
        cases.append(Case(f"wif-uncompressed-{n}", f"私钥：{secret}", secret, guard.WIF_KEY))
    for n in range(5):
        secret = wif(compressed=n % 2 == 0, testnet=True)
        cases.append(Case(f"wif-testnet-{n}", f"testnet key {secret}", secret, guard.WIF_KEY))
    for prefix in EXTENDED_VERSIONS:
        for n in range(5):
            secret = extended_private(prefix)
            cases.append(Case(f"extended-{prefix}-{n}", f"my {prefix[0]}prv is {secret}?", secret, guard.EXTENDED_KEY))
    hex_sentences = [
        "My private key: {secret}",
        "private key is 0x{secret}",
        "私钥 {secret}",
        "here is the secret {secret} for the wallet",
        "privkey={secret}",
        "我的钱包私钥是：{secret}，请帮忙",
    ]
    for n in range(24):
        secret = _bytes(32).hex()
        secret = secret.upper() if n % 5 == 0 else secret
        template = hex_sentences[n % len(hex_sentences)]
        cases.append(Case(f"hex-private-key-{n}", template.format(secret=secret), secret, guard.HEX_KEY))
    for n in range(15):
        keypair = solana_keypair()
        secret = base58.b58encode(keypair).decode()
        cases.append(Case(f"solana-base58-keypair-{n}", f"Phantom export: {secret}", secret, guard.SOLANA_KEY))
        secret = json.dumps(list(keypair), separators=(",", ":") if n % 2 else (", ", ": "))
        cases.append(Case(f"solana-key-file-{n}", f"id.json contains {secret}", secret, guard.SOLANA_KEY))
    for n in range(5):
        secret = json.dumps(list(_bytes(64)))
        cases.append(Case(f"byte-array-64-{n}", f"my keypair file\n{secret}", secret, guard.SOLANA_KEY))
    for n in range(15):
        secret = xrp_seed(ed25519=n % 3 == 0)
        cases.append(Case(f"xrp-seed-{n}", f"XRP secret {secret} for rXXXX", secret, guard.XRP_SEED))
    api_sentences = [
        "API secret: {secret}",
        "my secret key is {secret}",
        "API 密钥：{secret}",
        "api_secret={secret}",
        "Secret Key {secret} (Binance)",
    ]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    for n in range(15):
        secret = "".join(rng.choice(alphabet) for _ in range(rng.choice((32, 40, 64)))) + str(n)
        template = api_sentences[n % len(api_sentences)]
        cases.append(Case(f"api-secret-{n}", template.format(secret=secret), secret, guard.API_SECRET))
    otp_sentences = [
        "My 2FA code is {secret}",
        "Google Authenticator shows {secret} now",
        "验证码 {secret}",
        "authenticator code: {secret}",
        "谷歌验证码是{secret}",
        "{secret} is my 2FA code",
    ]
    for n in range(18):
        secret = f"{rng.randrange(1_000_000):06d}"
        template = otp_sentences[n % len(otp_sentences)]
        cases.append(Case(f"otp-{n}", template.format(secret=secret), secret, guard.OTP_CODE))
    return cases


# --- Look-alikes --------------------------------------------------------------------------------
ENGLISH_SUPPORT = [
    "My BTC withdrawal has been pending for 3 days, can you check it?",
    "I deposited 0.25 BTC to the wrong network, is there any way to recover it?",
    "Please reset my 2FA, I lost my phone yesterday.",
    "I changed my password and now withdrawals are locked for 24 hours. Why?",
    "The KYC verification keeps failing, my passport photo is clear.",
    "Where is my USDT? I sent 100 USDT on TRC20 an hour ago.",
    "Somebody logged into my account from another country. Please freeze it.",
    "I forgot the memo for my XRP deposit, the tag should be 123456.",
    "Order 123456 was filled at the wrong price during the crash.",
    "My Google Authenticator app was deleted, how do I recover my account?",
    "I never shared my seed phrase with anyone, but my wallet was drained.",
    "The API key I created last week stopped working, error 401.",
    "Why was my account frozen? I only bought some ETH with my card.",
    "Can you explain the fee on my last withdrawal? It was 0.0005 BTC.",
    "I got an email asking for my private key, is that really from you?",
    "Please close my account and send my remaining balance to my bank.",
    "The deposit shows 12 confirmations on the explorer but not in my balance.",
    "My P2P seller did not release the coins after I paid 500 EUR.",
    "I received 2FA code 1234 by SMS, but it has only four digits, is that right?",
    "Thank you for the quick answer, everything works again!",
    "My secret question answer is not accepted anymore.",
    "I want to file a formal complaint about the delay on case 88231.",
    "The app crashes when I open the wallet page on Android 14.",
    "I lost access to my email and my phone number changed.",
    "My withdrawal to the Ledger address was returned, amount 1.5 ETH.",
    "Please add the order id 2024051200012345 to my dispute.",
    "I sent SOL to an exchange address that does not support memos.",
    "What is the minimum deposit for USDC on Polygon?",
    "The verification code email never arrives, I checked spam.",
    "My account says 'withdrawal suspended' since the password change at 14:00.",
    "Correct horse battery staple is an old joke, not my password.",
    "Abandon all hope: I have been waiting for two weeks for an answer.",
    "I use a hardware wallet and keep my recovery words offline, as you advise.",
    "There was a margin call at 03:12 UTC and my position was liquidated.",
    "I would like to know why the BTC network fee changed so much today.",
    "Please update my phone number to the new one in my profile.",
    "The staking rewards for June are missing from my history.",
    "Hello, is the 2FA reset hold 48 hours or 24 hours?",
    "My referral bonus of 20 USDT was never credited.",
    "The secret to good support is answering quickly, thanks for that.",
]
CHINESE_SUPPORT = [
    "我的提币已经三天没有到账了，请帮我查一下。",
    "我充值了0.25个BTC，但是选错了网络，还能找回吗？",
    "我的手机丢了，请帮我重置谷歌验证。",
    "修改密码之后提现被锁定了24小时，为什么？",
    "身份认证一直失败，我的护照照片很清楚。",
    "我一个小时前通过TRC20转了100 USDT，为什么还没到账？",
    "有人从国外登录了我的账户，请马上冻结。",
    "我充值XRP的时候忘记填写标签了，标签应该是123456。",
    "订单号 202405120001 在暴跌时成交价格不对。",
    "我从来没有把助记词告诉过任何人，但是钱包被盗了。",
    "我收到一封邮件要我提供私钥，这是你们发的吗？",
    "请关闭我的账户，把余额转到我的银行卡。",
    "区块浏览器显示已经有12个确认，但余额里还没有。",
    "P2P卖家收到我付的500元以后没有放币。",
    "短信验证码一直收不到，我已经检查过垃圾短信了。",
    "我想对案件88231的延误提出正式投诉。",
    "打开钱包页面时应用闪退，安卓14。",
    "我无法登录邮箱，手机号也换了。",
    "请把订单号2024051200012345加到我的申诉里。",
    "Polygon上USDC的最低充值金额是多少？",
    "谢谢你们的快速回复，现在一切正常了！",
    "我的 API 密钥上周创建的，现在返回错误401。",
    "为什么我的账户被冻结了？我只是用银行卡买了一些ETH。",
    "请问二次验证重置需要等待48小时还是24小时？",
    "我的推荐奖励20 USDT一直没有到账。",
    "我用的是硬件钱包，助记词一直离线保存，按照你们的建议。",
    "今天比特币的网络手续费为什么变化这么大？",
    "六月份的质押奖励在我的记录里不见了。",
    "请把我个人资料里的手机号更新成新的号码。",
    "在凌晨三点十二分触发了追加保证金，我的仓位被强平了。",
    "我 的 钱 包 被 盗 了 请 帮 帮 我",
    "您好，请问提现审核一般需要多长时间？我的金额是5000 USDT。",
    "验证码错误，我输入了三次都不行。",
    "我把币转到了不支持备注的交易所地址。",
    "你好，我想咨询一下合约交易的手续费怎么计算。",
    "昨天晚上我的账户收到了一笔不明来源的转账。",
    "我已经按照要求上传了身份证正反面和手持照片。",
    "客服您好，提币地址簿里的地址可以删除吗？",
    "我的钱包地址是正确的，但是对方说没有收到。",
    "请问平台支持哪些网络提取USDT？ERC20、TRC20还是BEP20？",
]
# English words that are not in the BIP39 list, to break any run of wordlist words.
NOT_WORDLIST = ["the", "is", "my", "and", "wallet's", "bitcoin", "please", "withdrawal", "yesterday", "because"]


def _bitcoin_bech32(version: int, size: int, hrp: str = "bc") -> str:
    return bech32m.encode(hrp, version, _bytes(size))


def look_alikes() -> list[Case]:
    cases: list[Case] = []
    for n in range(30):
        txid = _bytes(32).hex()
        cases.append(Case(f"btc-txid-{n}", f"The txid is {txid}, it has 3 confirmations."))
    for n in range(30):
        cases.append(Case(f"eth-tx-hash-{n}", f"ETH transaction hash 0x{_bytes(32).hex()} still pending"))
    for n in range(10):
        cases.append(Case(f"hex-in-chinese-{n}", f"交易哈希：{_bytes(32).hex()}，还没有到账"))
    for n in range(10):
        cases.append(Case(f"bare-hex-{n}", _bytes(32).hex()))
    address_makers = {
        "btc-p2pkh": lambda: _b58check(b"\x00" + _bytes(20)),
        "btc-p2sh": lambda: _b58check(b"\x05" + _bytes(20)),
        "btc-p2wpkh": lambda: _bitcoin_bech32(0, 20),
        "btc-p2wsh": lambda: _bitcoin_bech32(0, 32),
        "btc-taproot": lambda: _bitcoin_bech32(1, 32),
        "ltc-legacy": lambda: _b58check(b"\x30" + _bytes(20)),
        "ltc-p2sh": lambda: _b58check(b"\x32" + _bytes(20)),
        "ltc-bech32": lambda: _bitcoin_bech32(0, 20, "ltc"),
        "eth": lambda: eip55_checksum("0x" + _bytes(20).hex()),
        "tron": lambda: _b58check(b"\x41" + _bytes(20)),
        "solana": lambda: base58.b58encode(_bytes(32)).decode(),
        "xrp": lambda: _b58check(b"\x00" + _bytes(20), alphabet=base58.XRP_ALPHABET),
    }
    for network, make in address_makers.items():
        for n in range(8):
            cases.append(Case(f"address-{network}-{n}", f"Please send it back to {make()} (my own address)."))
    for n in range(20):
        signature = base58.b58encode(_bytes(64)).decode()
        cases.append(Case(f"solana-signature-{n}", f"Solana tx signature {signature} is confirmed"))
    for prefix in EXTENDED_PUBLIC:
        for n in range(3):
            cases.append(Case(f"extended-public-{prefix}-{n}", f"watch-only {prefix}: {extended_public(prefix)}"))
    order_sentences = [
        "Order {id} was not filled",
        "订单号：{id}",
        "P2P order #{id} appeal",
        "order id {id}, pair BTC/USDT",
        "withdrawal id {id} is stuck",
    ]
    for n in range(25):
        order_id = str(rng.randrange(10**5, 10**19))
        cases.append(Case(f"order-id-{n}", order_sentences[n % len(order_sentences)].format(id=order_id)))
    for n, text in enumerate(ENGLISH_SUPPORT):
        cases.append(Case(f"english-support-{n}", text))
    for n, text in enumerate(CHINESE_SUPPORT):
        cases.append(Case(f"chinese-support-{n}", text))
    english = Mnemonic("english").wordlist
    for n in range(30):
        words = [rng.choice(english) for _ in range(12)]
        for position in rng.sample(range(12), k=1 + n % 3):
            words[position] = rng.choice(NOT_WORDLIST)
        cases.append(Case(f"twelve-words-not-all-wordlist-{n}", " ".join(words)))
    for n in range(10):
        cases.append(Case(f"amount-{n}", f"{rng.randrange(100000, 999999)} USDT and {rng.random():.8f} BTC"))
    return cases


SECRETS = secrets()
LOOK_ALIKES = look_alikes()
