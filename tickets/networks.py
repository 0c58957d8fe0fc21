"""The networks the desk validates: their assets, memo rules, explorers, and identifier checks
with the real checksums (base58check, bech32/bech32m per BIP-173/BIP-350, EIP-55)."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import base58
import bech32m
from Crypto.Hash import keccak
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
EVM_TX = re.compile(r"^0x[0-9a-fA-F]{64}$")
EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")

# How many decimal places each asset has on chain: more digits than this cannot be a real amount.
ASSET_DECIMALS = {
    "BTC": 8,
    "LTC": 8,
    "ETH": 18,
    "BNB": 18,
    "POL": 18,
    "USDT": 6,
    "USDC": 6,
    "TRX": 6,
    "SOL": 9,
    "XRP": 6,
}


class InvalidIdentifier(ValueError):
    pass


def _base58check(value: str, alphabet: bytes = base58.BITCOIN_ALPHABET) -> bytes:
    try:
        return base58.b58decode_check(value, alphabet=alphabet)
    except ValueError as error:
        raise InvalidIdentifier(_("The checksum does not match: check for a typo.")) from error


def _segwit(hrp: str, value: str) -> None:
    try:
        bech32m.decode(hrp, value)
    except bech32m.DecodeError as error:
        raise InvalidIdentifier(_("This bech32 address is not valid: check for a typo.")) from error


def _utxo_address(value: str, *, hrp: str, versions: set[int], coin: str) -> None:
    if value.lower().startswith(hrp + "1"):
        _segwit(hrp, value)
        return
    if not 26 <= len(value) <= 35:
        raise InvalidIdentifier(_("A %(coin)s address has 26 to 35 characters.") % {"coin": coin})
    payload = _base58check(value)
    if len(payload) != 21 or payload[0] not in versions:
        raise InvalidIdentifier(_("This is not a %(coin)s address.") % {"coin": coin})


def bitcoin_address(value: str) -> None:
    _utxo_address(value, hrp="bc", versions={0x00, 0x05}, coin="Bitcoin")


def litecoin_address(value: str) -> None:
    _utxo_address(value, hrp="ltc", versions={0x30, 0x32, 0x05}, coin="Litecoin")


def hex_txid(value: str) -> None:
    if value.lower().startswith("0x"):
        raise InvalidIdentifier(_("On this network a transaction hash has 64 hex characters without 0x."))
    if not HEX64.match(value):
        raise InvalidIdentifier(_("A transaction hash has exactly 64 hex characters (0-9, a-f)."))


def evm_txid(value: str) -> None:
    if not EVM_TX.match(value):
        raise InvalidIdentifier(_("A transaction hash here is 0x followed by 64 hex characters."))


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form: Keccak-256 of the lower-case hex (not NIST SHA3-256)."""
    lower = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=lower.encode()).hexdigest()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(lower))


def evm_address(value: str) -> None:
    if not EVM_ADDRESS.match(value):
        raise InvalidIdentifier(_("An address here is 0x followed by 40 hex characters."))
    body = value[2:]
    if body != body.lower() and body != body.upper() and eip55_checksum(value) != value:
        raise InvalidIdentifier(_("The upper/lower-case checksum (EIP-55) does not match: check for a typo."))


def tron_address(value: str) -> None:
    if not (value.startswith("T") and len(value) == 34):
        raise InvalidIdentifier(_("A Tron address starts with T and has 34 characters."))
    payload = _base58check(value)
    if len(payload) != 21 or payload[0] != 0x41:
        raise InvalidIdentifier(_("This is not a Tron address."))


def _solana_bytes(value: str, size: int, what: str) -> None:
    try:
        raw = base58.b58decode(value)
    except ValueError as error:
        raise InvalidIdentifier(_("Only base58 characters are allowed (no 0, O, I or l).")) from error
    if len(raw) != size:
        raise InvalidIdentifier(what)


def solana_address(value: str) -> None:
    if not 32 <= len(value) <= 44:
        raise InvalidIdentifier(_("A Solana address has 32 to 44 base58 characters."))
    _solana_bytes(value, 32, _("A Solana address encodes 32 bytes."))


def solana_txid(value: str) -> None:
    if not 64 <= len(value) <= 88:
        raise InvalidIdentifier(_("A Solana transaction signature has 64 to 88 base58 characters."))
    _solana_bytes(value, 64, _("A Solana transaction signature encodes 64 bytes."))


def xrp_address(value: str) -> None:
    if value.startswith("X"):
        raise InvalidIdentifier(_("Please give the classic address (starting with r) and the destination tag."))
    if not (value.startswith("r") and 25 <= len(value) <= 35):
        raise InvalidIdentifier(_("An XRP address starts with r and has 25 to 35 characters."))
    payload = _base58check(value, alphabet=base58.XRP_ALPHABET)
    if len(payload) != 21 or payload[0] != 0x00:
        raise InvalidIdentifier(_("This is not an XRP address."))


def xrp_destination_tag(value: str) -> None:
    # str.isdigit() alone also accepts "²" (int() then raises a bare ValueError) and "١٢٣".
    if not (value.isascii() and value.isdigit()) or int(value) > 4_294_967_295:
        raise InvalidIdentifier(_("A destination tag is a whole number from 0 to 4294967295."))


@dataclass(frozen=True)
class Network:
    code: str
    name: str
    assets: tuple[str, ...]
    txid: Callable[[str], None]
    address: Callable[[str], None]
    explorer_tx: str
    explorer_address: str
    memo_name: object = None  # a lazy translated label when the network uses a memo/tag
    memo_required: bool = False
    # Why the memo/tag is needed, for the form and for the error when it is missing (lazy).
    memo_hint: object = None
    memo: Callable[[str], None] | None = None
    evm: bool = False
    examples: dict = field(default_factory=dict)


def _evm(code: str, name: str, assets: tuple[str, ...], explorer: str) -> Network:
    return Network(
        code=code,
        name=name,
        assets=assets,
        txid=evm_txid,
        address=evm_address,
        explorer_tx=f"{explorer}/tx/{{txid}}",
        explorer_address=f"{explorer}/address/{{address}}",
        evm=True,
    )


NETWORKS: dict[str, Network] = {
    network.code: network
    for network in (
        Network(
            code="bitcoin",
            name="Bitcoin",
            assets=("BTC",),
            txid=hex_txid,
            address=bitcoin_address,
            explorer_tx="https://mempool.space/tx/{txid}",
            explorer_address="https://mempool.space/address/{address}",
        ),
        _evm("ethereum", "Ethereum (ERC-20)", ("ETH", "USDT", "USDC"), "https://etherscan.io"),
        _evm("bsc", "BNB Smart Chain (BEP-20)", ("BNB", "USDT", "USDC"), "https://bscscan.com"),
        _evm("polygon", "Polygon", ("POL", "USDT", "USDC"), "https://polygonscan.com"),
        _evm("arbitrum", "Arbitrum One", ("ETH", "USDT", "USDC"), "https://arbiscan.io"),
        Network(
            code="tron",
            name="Tron (TRC-20)",
            assets=("TRX", "USDT"),
            txid=hex_txid,
            address=tron_address,
            explorer_tx="https://tronscan.org/#/transaction/{txid}",
            explorer_address="https://tronscan.org/#/address/{address}",
        ),
        Network(
            code="solana",
            name="Solana",
            assets=("SOL", "USDT", "USDC"),
            txid=solana_txid,
            address=solana_address,
            explorer_tx="https://solscan.io/tx/{txid}",
            explorer_address="https://solscan.io/account/{address}",
        ),
        Network(
            code="xrp",
            name="XRP Ledger",
            assets=("XRP",),
            txid=hex_txid,
            address=xrp_address,
            explorer_tx="https://livenet.xrpl.org/transactions/{txid}",
            explorer_address="https://livenet.xrpl.org/accounts/{address}",
            memo_name=gettext_lazy("Destination tag"),
            memo_required=True,
            memo_hint=gettext_lazy(
                "XRP deposits need the destination tag shown next to the deposit address: without it "
                "the funds cannot be matched to an account."
            ),
            memo=xrp_destination_tag,
        ),
        Network(
            code="litecoin",
            name="Litecoin",
            assets=("LTC",),
            txid=hex_txid,
            address=litecoin_address,
            explorer_tx="https://blockchair.com/litecoin/transaction/{txid}",
            explorer_address="https://blockchair.com/litecoin/address/{address}",
        ),
    )
}


def validate_identifier(network_code: str, field_name: str, value: str) -> None:
    """Raise InvalidIdentifier with a message for the customer when `value` is not a valid
    `field_name` ("txid", "address" or "memo") on the network."""
    network = NETWORKS.get(network_code)
    if network is None:
        raise InvalidIdentifier(_("Unknown network."))
    value = value.strip()
    if field_name == "txid":
        network.txid(value)
    elif field_name == "address":
        network.address(value)
    elif field_name == "memo":
        if network.memo is None:
            raise InvalidIdentifier(_("This network does not use a memo or tag."))
        network.memo(value)
    else:
        raise InvalidIdentifier(_("Unknown field."))


def memo_missing_message(network_code: str, memo: str) -> str | None:
    """The hint to show when a network that needs a memo/tag (XRP's destination tag) gets none:
    a missing tag is the usual cause of a lost deposit. None when nothing is missing."""
    network = NETWORKS.get(network_code)
    if network is None or not network.memo_required or memo.strip():
        return None
    if network.memo_hint:
        return str(network.memo_hint)
    return _("Transfers on %(network)s need the %(memo)s.") % {"network": network.name, "memo": network.memo_name}


# Amounts as customers type them in the portal's languages. English and Simplified Chinese both
# group thousands with a comma and write decimals after a dot: "1,000.50" and "1000.50" are the
# same amount. Anything that could be read two ways is refused rather than guessed: "1.000,50"
# (a decimal comma), "1,00,000" (lakh grouping), "1,0000" or "1,00,0" (not groups of three), and
# more than one dot. Full-width digits and punctuation from a Chinese input method are read as
# their ASCII forms (NFKC); spaces around the number are ignored.
PLAIN_AMOUNT = re.compile(r"^(\d+)?(\.\d+)?$", re.ASCII)
GROUPED_AMOUNT = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)


def parse_amount(text: str) -> Decimal:
    """The Decimal of an amount typed as "1,000.50" or "1000.50"; InvalidIdentifier otherwise."""
    value = unicodedata.normalize("NFKC", text).strip()
    if value and value != "." and PLAIN_AMOUNT.match(value):
        number = value
    elif GROUPED_AMOUNT.match(value):
        number = value.replace(",", "")
    else:
        raise InvalidIdentifier(
            _("Enter the amount as digits with a dot before the decimals, e.g. 1,000.50 or 1000.50.")
        )
    try:
        return Decimal(number)
    except InvalidOperation as error:  # not reachable with the patterns above; never a 500
        raise InvalidIdentifier(
            _("Enter the amount as digits with a dot before the decimals, e.g. 1,000.50 or 1000.50.")
        ) from error


def validate_amount(asset: str, amount: Decimal) -> None:
    if not amount.is_finite() or amount <= 0:
        raise InvalidIdentifier(_("The amount must be greater than zero."))
    decimals = ASSET_DECIMALS.get(asset.upper())
    exponent = amount.normalize().as_tuple().exponent
    if decimals is not None and isinstance(exponent, int) and -exponent > decimals:
        raise InvalidIdentifier(
            _("%(asset)s has at most %(decimals)s decimal places.") % {"asset": asset.upper(), "decimals": decimals}
        )


def network_as_dict(network: Network) -> dict:
    return {
        "code": network.code,
        "name": network.name,
        "assets": list(network.assets),
        "evm": network.evm,
        "memo": {
            "required": network.memo_required,
            "name": str(network.memo_name) if network.memo_name else None,
            "hint": str(network.memo_hint) if network.memo_hint else None,
        },
        "explorer": {"tx": network.explorer_tx, "address": network.explorer_address},
    }
