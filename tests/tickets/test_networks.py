"""Per-network identifier checks of tickets/networks.py against test vectors.

Where the vectors come from (copied exactly, not retyped from memory):
- BIP-173 and BIP-350 (bitcoin/bips bip-0173.mediawiki, bip-0350.mediawiki): the segwit address lists.
  BIP-350 replaces BIP-173 for witness v1+: the BIP-173 v1+ "valid" addresses use bech32, not bech32m,
  and are invalid today, so they sit in the refused table.
- bitcoin/bitcoin src/test/data/key_io_valid.json: entries with chain "main" and isPrivkey false are
  mainnet addresses. Entries marked tryCaseFlip are valid upper-cased as well. Testnet/signet/regtest
  entries and the WIF private keys are refused here as "wrong network" or "not an address".
- litecoin-project/litecoin src/test/data/key_io_valid.json: the "main" L… (0x30) and M… (0x32) entries.
  The bech32 entries of the stored copy use a "pgc" HRP, not "ltc", so the ltc1 vectors are derived:
  the BIP-173/BIP-350 witness programs encoded with HRP "ltc".
- EIP-55 (ethereum/ERCs ERCS/erc-55.md, "Test Cases"): all caps, all lower, normal.
- XRPLF/xrpl.js packages/ripple-address-codec tests: classic addresses and X-addresses.
- Well-known mainnet identifiers: Bitcoin genesis address and coinbase txid, the Tron USDT contract,
  the XRP genesis account, ACCOUNT_ZERO/ACCOUNT_ONE, Solana program and mint addresses, and the
  signature used in the Solana JSON-RPC docs.
- Ids that start with "derived-" were built for this file (with the same libraries) and are not published.
"""

from decimal import Decimal

import pytest

from tickets.networks import (
    NETWORKS,
    InvalidIdentifier,
    eip55_checksum,
    memo_missing_message,
    network_as_dict,
    parse_amount,
    validate_amount,
    validate_identifier,
)

BASE58_BITCOIN = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BASE58_XRP = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
EVM_NETWORKS = ("ethereum", "bsc", "polygon", "arbitrum")


def assert_accepted(network: str, field: str, value: str) -> None:
    validate_identifier(network, field, value)


def assert_refused(network: str, field: str, value: str, match: str | None = None) -> None:
    with pytest.raises(InvalidIdentifier, match=match):
        validate_identifier(network, field, value)


def one_character_changed(value: str, alphabet: str) -> str:
    """The same string with its middle character replaced by the next one of the alphabet
    (same case for bech32): a typo that only the checksum can catch."""
    position = len(value) // 2
    char = value[position]
    if alphabet == BECH32:
        upper = char.isupper()
        replacement = alphabet[(alphabet.index(char.lower()) + 1) % len(alphabet)]
        replacement = replacement.upper() if upper else replacement
    else:
        replacement = alphabet[(alphabet.index(char) + 1) % len(alphabet)]
    changed = value[:position] + replacement + value[position + 1 :]
    assert changed != value
    return changed


def with_character(value: str, char: str, position: int = 5) -> str:
    return value[:position] + char + value[position + 1 :]


# --------------------------------------------------------------------------------------------------
# Bitcoin
# --------------------------------------------------------------------------------------------------

BITCOIN_VALID_SEGWIT = [
    # BIP-350 "valid segwit addresses", mainnet ones.
    pytest.param("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", id="bip350-v0-p2wpkh-uppercase"),
    pytest.param(
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        id="bip350-v1-40-byte-program",
    ),
    pytest.param("BC1SW50QGDZ25J", id="bip350-v16-2-byte-program"),
    pytest.param("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", id="bip350-v2-16-byte-program"),
    pytest.param("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", id="bip350-v1-taproot"),
    # BIP-173 "Examples": mainnet P2WPKH and P2WSH.
    pytest.param("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", id="bip173-example-p2wpkh"),
    pytest.param("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", id="bip173-example-p2wsh"),
    # bitcoin/bitcoin key_io_valid.json, chain "main", isPrivkey false (tryCaseFlip: true).
    pytest.param("bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv", id="key-io-p2wpkh-1"),
    pytest.param("bc1qyucykdlhp62tezs0hagqury402qwhk589q80tqs5myh3rxq34nwqhkdhv7", id="key-io-p2wsh-1"),
    pytest.param("bc1p83n3au0rjylefxq2nc2xh2y4jzz4pm6zxj4mw5pagdjjr2a9f36s6jjnnu", id="key-io-p2tr-1"),
    pytest.param("bc1z2rksukkjr8", id="key-io-v2-2-byte-1"),
    pytest.param("bc1qhxt04s5xnpy0kxw4x99n5hpdf5pmtzpqs52es2", id="key-io-p2wpkh-2"),
    pytest.param("bc1qgc9ljrvdf2e0zg9rmmq86xklqwfys7r6wptjlacdgrcdc7sa6ggqu4rrxf", id="key-io-p2wsh-2"),
    pytest.param("bc1pve739yap4uxjvfk0jrey69078u0gasm2nwvv483ec6zkzulgw9xqu4w9fd", id="key-io-p2tr-2"),
    pytest.param("bc1zmjtqxkzs89", id="key-io-v2-2-byte-2"),
]

BITCOIN_VALID_BASE58 = [
    # bitcoin/bitcoin key_io_valid.json, chain "main", isPrivkey false.
    pytest.param("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", id="key-io-p2pkh-1"),
    pytest.param("36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm", id="key-io-p2sh-1"),
    pytest.param("1FjL87pn8ky6Vbavd1ZHeChRXtoxwRGCRd", id="key-io-p2pkh-2"),
    pytest.param("3BZECeAH8gSKkjrTx8PwMrNQBLG18yHpvf", id="key-io-p2sh-2"),
    pytest.param("1G9A9j6W8TLuh6dEeVwWeyibK1Uc5MfVFV", id="key-io-p2pkh-3"),
    pytest.param("33GA3ZXbw5o5HeUrBEaqkWXFYYZmdxGRRP", id="key-io-p2sh-3"),
    pytest.param("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", id="well-known-genesis-p2pkh"),
]

# key_io_valid.json marks its bech32 entries tryCaseFlip: the all-uppercase form is valid too.
BITCOIN_VALID_CASE_FLIPPED = [
    pytest.param(param.values[0].upper(), id=f"{param.id}-uppercase")
    for param in BITCOIN_VALID_SEGWIT
    if param.id.startswith("key-io-")
]

BITCOIN_INVALID = [
    # BIP-173 "invalid segwit addresses" (current text; testnet ones are refused on mainnet anyway).
    pytest.param("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", id="bip173-invalid-hrp"),
    pytest.param("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", id="bip173-invalid-checksum"),
    pytest.param("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", id="bip173-invalid-witness-version"),
    pytest.param("bc1rw5uspcuh", id="bip173-invalid-program-length-1-byte"),
    pytest.param(
        "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
        id="bip173-invalid-program-length-41-bytes",
    ),
    pytest.param("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", id="bip173-bip350-invalid-v0-program-length-16"),
    pytest.param("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", id="bip173-mixed-case"),
    pytest.param("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", id="bip173-zero-padding-over-4-bits"),
    pytest.param("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", id="bip173-non-zero-padding"),
    pytest.param("bc1gmk9yu", id="bip173-bip350-empty-data-section"),
    # BIP-173, earlier revision of the same list.
    pytest.param("tb1pw508d6qejxtdg4y5r3zarqfsj6c3", id="bip173-old-zero-padding-over-4-bits"),
    # BIP-173 "valid" v1+ addresses: bech32, so invalid since BIP-350.
    pytest.param(
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
        id="bip173-v1-bech32-superseded-by-bip350",
    ),
    pytest.param("BC1SW50QA3JX3S", id="bip173-v16-bech32-superseded-by-bip350"),
    pytest.param("bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", id="bip173-v2-bech32-superseded-by-bip350"),
    # BIP-350 "invalid segwit addresses" (the two shared with BIP-173 are above).
    pytest.param("tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", id="bip350-invalid-hrp"),
    pytest.param(
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", id="bip350-v1-bech32-instead-of-bech32m"
    ),
    pytest.param(
        "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", id="bip350-v2-bech32-instead-of-bech32m"
    ),
    pytest.param(
        "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", id="bip350-v16-bech32-instead-of-bech32m"
    ),
    pytest.param("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", id="bip350-v0-bech32m-instead-of-bech32"),
    pytest.param(
        "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", id="bip350-tb-v0-bech32m-instead-of-bech32"
    ),
    pytest.param(
        "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", id="bip350-invalid-character-in-checksum"
    ),
    pytest.param("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", id="bip350-invalid-witness-version"),
    pytest.param("bc1pw5dgrnzv", id="bip350-invalid-program-length-1-byte"),
    pytest.param(
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
        id="bip350-invalid-program-length-41-bytes",
    ),
    pytest.param("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", id="bip350-mixed-case"),
    pytest.param(
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", id="bip350-zero-padding-over-4-bits"
    ),
    pytest.param("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", id="bip350-non-zero-padding"),
    # Mixed case of published valid mainnet addresses.
    pytest.param("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8F3t4", id="derived-mixed-case-p2wpkh"),
    pytest.param("Bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", id="derived-mixed-case-hrp-taproot"),
]

BITCOIN_WRONG_NETWORK = [
    # Valid BIP-173/BIP-350 testnet addresses: not mainnet.
    pytest.param("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", id="bip173-testnet-p2wsh"),
    pytest.param("tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", id="bip173-testnet-p2wsh-2"),
    pytest.param("tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", id="bip350-testnet-taproot"),
    # key_io_valid.json entries of other chains.
    pytest.param("mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ", id="key-io-testnet4-p2pkh"),
    pytest.param("2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvK", id="key-io-testnet4-p2sh"),
    pytest.param("tb1qcrh3yqn4nlleplcez2yndq2ry8h9ncg3qh7n54", id="key-io-testnet4-p2wpkh"),
    pytest.param("bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9", id="key-io-regtest-p2wpkh"),
    # key_io_valid.json mainnet WIF private keys (isPrivkey true): not addresses.
    pytest.param("5JuW2AMDYu4xVwRG9DZW18VbzQrGcd5RCgb99sS6ehJsNQXu5b9", id="key-io-wif-uncompressed"),
    pytest.param("L5nJeqKmpHp4P7F8ZYyjwc5a7P4d8EabuGAzfGJk7yC1BJyzNaEd", id="key-io-wif-compressed"),
    # Other networks' addresses.
    pytest.param("LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA", id="litecoin-key-io-L-address"),
    pytest.param("MHrYRxAiMNBTku3eoDHwhA1LQGDjUStZW2", id="litecoin-key-io-M-address"),
    pytest.param("ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9", id="derived-litecoin-ltc1-address"),
    pytest.param("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", id="eip55-evm-address"),
    pytest.param("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", id="well-known-tron-address"),
]

BITCOIN_INVALID_SHAPE = [
    pytest.param("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" + "z", id="derived-36-characters"),
    pytest.param("1A1zP1eP5QGefi2DMPTfTL5SLm", id="derived-truncated-26-characters"),
    pytest.param("1A1zP1eP5QGefi2DMPTfTL5SL", id="derived-25-characters"),
    pytest.param(with_character("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "0"), id="derived-forbidden-0"),
    pytest.param(with_character("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "O"), id="derived-forbidden-O"),
    pytest.param(with_character("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "I"), id="derived-forbidden-I"),
    pytest.param(with_character("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "l"), id="derived-forbidden-l"),
    pytest.param("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3tb", id="derived-bech32-forbidden-b"),
]


def test_bitcoin_address_is_accepted_with_surrounding_whitespace():
    assert_accepted("bitcoin", "address", "  1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n")


# --------------------------------------------------------------------------------------------------
# Litecoin
# --------------------------------------------------------------------------------------------------

LITECOIN_VALID_BASE58 = [
    # litecoin-project/litecoin key_io_valid.json, chain "main", isPrivkey false.
    pytest.param("LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA", id="key-io-p2pkh-L-1"),
    pytest.param("MHrYRxAiMNBTku3eoDHwhA1LQGDjUStZW2", id="key-io-p2sh-M-1"),
    pytest.param("M9dw1FAoWpHC6PcMzoCHhqQ9McvTyG5Ywj", id="key-io-p2sh-M-2"),
    pytest.param("LbfVMz974gbbGFqXF7FZUpSBWSbwBHDwR5", id="key-io-p2pkh-L-2"),
    pytest.param("MWGEAUUZoN4r6puz8KsgnE9wNTQ8fGWCEy", id="key-io-p2sh-M-3"),
    pytest.param("MNYP3h6XQQcVBohyVrxAtRGhbyvPpXzyFR", id="key-io-p2sh-M-4"),
    pytest.param("LgUPnP2UZxmFBJb8FDgNd5JcU9b7CNfrw1", id="key-io-p2pkh-L-3"),
    pytest.param("MU2UAbDxiiirZuGTZ6nSaFajsXFkLHozcU", id="key-io-p2sh-M-5"),
]

LITECOIN_VALID_SEGWIT = [
    # The BIP-173/BIP-350 witness programs encoded with HRP "ltc".
    pytest.param("ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9", id="derived-ltc1-v0-p2wpkh"),
    pytest.param("LTC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KGMN4N9", id="derived-ltc1-v0-p2wpkh-uppercase"),
    pytest.param("ltc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qmu8tk5", id="derived-ltc1-v0-p2wsh"),
    pytest.param("ltc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqpj6zg2", id="derived-ltc1-v1-taproot"),
]

LITECOIN_INVALID = [
    # litecoin key_io_valid.json entries of other chains, and its mainnet WIF keys.
    pytest.param("mwXn5Vhicdav8Av3KMokx4YNuHoGRKxtWs", id="key-io-testnet-p2pkh"),
    pytest.param("QXaUgLHkZcbJb2j5XgMYzY8cF9YM48Y81Z", id="key-io-testnet-p2sh"),
    pytest.param("6vqpCruyRS9bEY6ZVrL8S9EL5h2MnQZffzzqrpNP9i8YozvXTKs", id="key-io-wif-uncompressed"),
    pytest.param("T5MZ5z9WqJxzVxYyVPecTJUSDkzDWrUYe1JuSX2AqJ9jKmLJrvTE", id="key-io-wif-compressed"),
    # Bitcoin addresses (P2PKH version 0x00, bc1 segwit) are not Litecoin addresses.
    pytest.param("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", id="bitcoin-genesis-p2pkh"),
    pytest.param("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", id="bitcoin-key-io-p2pkh"),
    pytest.param("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", id="bitcoin-bip173-p2wpkh"),
    pytest.param("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", id="bitcoin-bip350-taproot"),
    # Segwit rules apply to ltc1 as well.
    pytest.param("ltc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5w2wdg", id="derived-ltc1-v1-bech32-not-m"),
    pytest.param("ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmN4n9", id="derived-ltc1-mixed-case"),
    pytest.param("LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeAz", id="derived-36-characters"),
    pytest.param(with_character("LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA", "0"), id="derived-forbidden-0"),
]


def test_legacy_3_p2sh_address_is_accepted_on_litecoin():
    """DOMAIN.md: Litecoin keeps the legacy 3… (0x05) P2SH form next to M…, so a Bitcoin P2SH
    address cannot be told apart from a Litecoin one by its text."""
    assert_accepted("litecoin", "address", "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm")


# --------------------------------------------------------------------------------------------------
# Ethereum and the other EVM chains (EIP-55)
# --------------------------------------------------------------------------------------------------

EIP55_PUBLISHED = [
    pytest.param("0x52908400098527886E0F7030069857D2E4169EE7", id="eip55-all-caps-1"),
    pytest.param("0x8617E340B3D01FA5F11F306F4090FD50E238070D", id="eip55-all-caps-2"),
    pytest.param("0xde709f2102306220921060314715629080e2fb77", id="eip55-all-lower-1"),
    pytest.param("0x27b1fdb04752bbc536007a920d24acb045561c26", id="eip55-all-lower-2"),
    pytest.param("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", id="eip55-normal-1"),
    pytest.param("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", id="eip55-normal-2"),
    pytest.param("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", id="eip55-normal-3"),
    pytest.param("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", id="eip55-normal-4"),
]


def first_letter_case_flipped(address: str) -> str:
    body = address[2:]
    index = next(i for i, char in enumerate(body) if char.isalpha())
    return "0x" + body[:index] + body[index].swapcase() + body[index + 1 :]


EVM_INVALID_ADDRESS = [
    pytest.param("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", id="derived-no-0x"),
    pytest.param("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", id="derived-39-hex"),
    pytest.param("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd", id="derived-41-hex"),
    pytest.param("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", id="derived-non-hex-g"),
    pytest.param("0xa614f803b6fd780986a42c78ec9c7f77e6ded13", id="derived-tron-usdt-hex-39"),
    pytest.param("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", id="well-known-tron-usdt-contract"),
    pytest.param("41a614f803b6fd780986a42c78ec9c7f77e6ded13c", id="derived-tron-hex-form"),
    pytest.param("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", id="well-known-bitcoin-genesis"),
    pytest.param("So11111111111111111111111111111111111111112", id="well-known-solana-wrapped-sol"),
]


@pytest.mark.parametrize("address", EIP55_PUBLISHED)
def test_eip55_checksum_of_the_lowercase_address_is_the_published_form(address):
    assert eip55_checksum(address.lower()) == address


# --------------------------------------------------------------------------------------------------
# Tron
# --------------------------------------------------------------------------------------------------

TRON_VALID = [
    pytest.param("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", id="well-known-usdt-trc20-contract"),
    pytest.param("TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL", id="well-known-tronweb-example"),
    pytest.param("T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb", id="well-known-black-hole-zero-address"),
]

TRON_INVALID = [
    pytest.param("0xa614f803b6fd780986a42c78ec9c7f77e6ded13c", id="derived-evm-form-of-usdt-contract"),
    pytest.param("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", id="eip55-evm-address"),
    pytest.param("41a614f803b6fd780986a42c78ec9c7f77e6ded13c", id="derived-hex-form"),
    pytest.param("1G9AHnMvAgqKJ2eWErupYfdzu6hgW14EeZ", id="derived-same-hash-bitcoin-version"),
    pytest.param("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", id="well-known-bitcoin-genesis"),
    pytest.param("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6", id="derived-33-characters"),
    pytest.param("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6tt", id="derived-35-characters"),
    pytest.param(with_character("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "0"), id="derived-forbidden-0"),
    pytest.param(with_character("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "O"), id="derived-forbidden-O"),
    pytest.param(with_character("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "I"), id="derived-forbidden-I"),
    pytest.param(with_character("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "l"), id="derived-forbidden-l"),
]


# --------------------------------------------------------------------------------------------------
# Solana
# --------------------------------------------------------------------------------------------------

SOLANA_VALID_ADDRESS = [
    pytest.param("11111111111111111111111111111111", id="well-known-system-program"),
    pytest.param("So11111111111111111111111111111111111111112", id="well-known-wrapped-sol-mint"),
    pytest.param("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", id="well-known-spl-token-program"),
    pytest.param("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", id="well-known-usdc-mint"),
    pytest.param("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", id="well-known-usdt-mint"),
]

SOLANA_SIGNATURE = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"

SOLANA_INVALID_ADDRESS = [
    pytest.param("1111111111111111111111111111111", id="derived-31-characters"),
    pytest.param("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1vv", id="derived-45-characters"),
    pytest.param("42yhSkBthJpmWKzhBRtHYV6S4JdXAMBQcdYD8vEhNx4", id="derived-decodes-to-31-bytes"),
    pytest.param("1" * 32 + "2", id="derived-decodes-to-33-bytes"),
    pytest.param(with_character("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "0"), id="derived-forbidden-0"),
    pytest.param(with_character("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "O"), id="derived-forbidden-O"),
    pytest.param(with_character("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "I"), id="derived-forbidden-I"),
    pytest.param(with_character("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "l"), id="derived-forbidden-l"),
    pytest.param("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", id="eip55-evm-address"),
    pytest.param(SOLANA_SIGNATURE, id="solana-docs-signature-in-address-field"),
]

SOLANA_INVALID_SIGNATURE = [
    pytest.param(
        "21xc6hBjMPZhBUasL2K6Hi4XheozzoieMTnSKAp4fcXGUVUbhJqT6bPJBMvB9hoCGTkB9w9aN1wwPzVAfE1oqoZ",
        id="derived-decodes-to-63-bytes",
    ),
    pytest.param(
        "LocGyVXHPKCPaKgwC9FNn9pvttr5hDD7s5QP3EuFB2QEPXtj3uhi6AX29foZ5sEBKSzKrMLLQA1H1BPoF3uqYacP2",
        id="derived-decodes-to-65-bytes-89-characters",
    ),
    pytest.param(SOLANA_SIGNATURE[:63], id="derived-63-characters"),
    pytest.param(with_character(SOLANA_SIGNATURE, "0"), id="derived-forbidden-0"),
    pytest.param(with_character(SOLANA_SIGNATURE, "O"), id="derived-forbidden-O"),
    pytest.param(with_character(SOLANA_SIGNATURE, "I"), id="derived-forbidden-I"),
    pytest.param(with_character(SOLANA_SIGNATURE, "l"), id="derived-forbidden-l"),
    pytest.param("0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060", id="well-known-ethereum-tx"),
    pytest.param("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", id="well-known-bitcoin-txid"),
    pytest.param("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", id="well-known-usdc-mint-address"),
]


def test_solana_docs_signature_is_accepted_as_txid():
    assert_accepted("solana", "txid", SOLANA_SIGNATURE)


def test_solana_signature_of_63_bytes_is_refused_for_its_size():
    short = "21xc6hBjMPZhBUasL2K6Hi4XheozzoieMTnSKAp4fcXGUVUbhJqT6bPJBMvB9hoCGTkB9w9aN1wwPzVAfE1oqoZ"
    assert_refused("solana", "txid", short, match="64 bytes")


def test_solana_address_has_no_checksum_so_a_typo_of_the_same_size_is_accepted():
    """Documents a limit of the format, not of the code: plain base58 keys carry no checksum."""
    typo = one_character_changed("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", BASE58_BITCOIN)
    assert_accepted("solana", "address", typo)


# --------------------------------------------------------------------------------------------------
# XRP Ledger
# --------------------------------------------------------------------------------------------------

XRP_VALID_ADDRESS = [
    pytest.param("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", id="well-known-genesis-account"),
    pytest.param("rrrrrrrrrrrrrrrrrrrrrhoLvTp", id="well-known-account-zero"),
    pytest.param("rrrrrrrrrrrrrrrrrrrrBZbvji", id="well-known-account-one"),
    # XRPLF/xrpl.js ripple-address-codec tests.
    pytest.param("rJrRMgiRgrU6hDF4pgu5DXQdWyPbY35ErN", id="xrpl-js-encode-account-id"),
    pytest.param("rU6K7V3Po4snVhBBaU29sesqs2qTQJWDw1", id="xrpl-js-valid-secp256k1"),
    pytest.param("rLUEXYuLiQptky37CqLcm9USQpPiz5rkpD", id="xrpl-js-valid-ed25519"),
    pytest.param("r9cZA1mLK5R5Am25ArfXFmqgNwjZgnfk59", id="xrpl-js-x-address-classic-1"),
    pytest.param("rLczgQHxPhWtjkaQqn3Q6UM8AbRbbRvs5K", id="xrpl-js-x-address-classic-2"),
    pytest.param("rpZc4mVfWUif9CRoHRKKcmhu1nx2xktxBo", id="xrpl-js-x-address-classic-3"),
    pytest.param("rsA2LpzuawewSBQXkiju3YQTMzW13pAAdW", id="xrpl-js-x-address-classic-4"),
    pytest.param("rGWrZyQqhTp9Xu7G5Pkayo7bXjH4k4QYpf", id="xrpl-js-x-address-classic-5"),
    pytest.param("rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY", id="xrpl-js-x-address-classic-6"),
]

XRP_X_ADDRESSES = [
    # XRPLF/xrpl.js ripple-address-codec index tests (mainnet X-addresses).
    pytest.param("X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ", id="xrpl-js-no-tag"),
    pytest.param("X7AcgcsBL6XDcUb289X4mJ8djcdyKaGZMhc9YTE92ehJ2Fu", id="xrpl-js-tag-1"),
    pytest.param("XVLhHMPHU98es4dbozjVtdWzVrDjtV8AqEL4xcZj5whKbmc", id="xrpl-js-tag-0"),
    pytest.param("XVLhHMPHU98es4dbozjVtdWzVrDjtV18pX8yuPT7y4xaEHi", id="xrpl-js-tag-4294967295"),
    pytest.param("XVLhHMPHU98es4dbozjVtdWzVrDjtV5fdx1mHp98tDMoQXa", id="xrpl-js-bad-checksum"),
]

XRP_INVALID_ADDRESS = [
    pytest.param("rU6K7V3Po4snVhBBaU29sesqs2qTQJWDw2", id="xrpl-js-invalid-checksum"),
    pytest.param("rnaC7gW34M77Kneb78s", id="xrpl-js-9-byte-payload"),
    pytest.param("T719a5UwUCnEs54UsxG9CJYYDhwmFCqkr7wxCcNcfZ6p5GZ", id="xrpl-js-testnet-x-address"),
    pytest.param("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyThh", id="derived-36-characters"),
    pytest.param("rrrrrrrrrrrrrrrrrrrrrrrr", id="derived-24-characters"),
    pytest.param("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", id="well-known-bitcoin-genesis"),
    pytest.param("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", id="eip55-evm-address"),
    pytest.param(with_character("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", "0"), id="derived-forbidden-0"),
    pytest.param(with_character("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", "O"), id="derived-forbidden-O"),
    pytest.param(with_character("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", "I"), id="derived-forbidden-I"),
    pytest.param(with_character("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", "l"), id="derived-forbidden-l"),
]


# --------------------------------------------------------------------------------------------------
# Transaction ids, per network
# --------------------------------------------------------------------------------------------------

BITCOIN_GENESIS_TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
ETHEREUM_TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"

VALID_TXIDS = [
    pytest.param("bitcoin", BITCOIN_GENESIS_TXID, id="bitcoin-well-known-genesis-coinbase"),
    pytest.param("bitcoin", BITCOIN_GENESIS_TXID.upper(), id="bitcoin-well-known-genesis-coinbase-uppercase"),
    pytest.param(
        "bitcoin",
        "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16",
        id="bitcoin-well-known-first-payment",
    ),
    pytest.param("litecoin", BITCOIN_GENESIS_TXID, id="litecoin-derived-64-hex"),
    pytest.param("tron", "3ecf001753640fa58a06d5515fa610388a4f1722647d5f9f8abe76e4ed8a61f9", id="tron-derived-64-hex"),
    pytest.param(
        "xrp", "0E1DCF1FF020CCEABF8F4A60A32E814B5B46EE0BB8CD4AF5C814E4071BD86A18", id="xrp-derived-64-hex-uppercase"
    ),
    *[pytest.param(network, ETHEREUM_TX, id=f"{network}-well-known-0x-64-hex") for network in EVM_NETWORKS],
    pytest.param("solana", SOLANA_SIGNATURE, id="solana-docs-signature"),
]

INVALID_TXIDS = [
    # 0x-prefixed hashes where the network writes them without 0x.
    *[
        pytest.param(network, ETHEREUM_TX, id=f"{network}-0x-prefixed")
        for network in ("bitcoin", "litecoin", "tron", "xrp")
    ],
    # 64 hex without 0x where an EVM chain needs it.
    *[pytest.param(network, BITCOIN_GENESIS_TXID, id=f"{network}-64-hex-without-0x") for network in EVM_NETWORKS],
    # One character short.
    *[
        pytest.param(network, BITCOIN_GENESIS_TXID[:63], id=f"{network}-63-hex")
        for network in ("bitcoin", "litecoin", "tron", "xrp")
    ],
    *[pytest.param(network, ETHEREUM_TX[:65], id=f"{network}-0x-63-hex") for network in EVM_NETWORKS],
    pytest.param("bitcoin", BITCOIN_GENESIS_TXID + "a", id="bitcoin-65-hex"),
    pytest.param("ethereum", ETHEREUM_TX + "a", id="ethereum-0x-65-hex"),
    pytest.param("bitcoin", BITCOIN_GENESIS_TXID[:63] + "g", id="bitcoin-non-hex-g"),
    pytest.param("ethereum", ETHEREUM_TX[:65] + "g", id="ethereum-non-hex-g"),
    pytest.param("xrp", SOLANA_SIGNATURE, id="xrp-solana-signature"),
    pytest.param("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", id="tron-address-in-txid-field"),
]


def test_0x_prefixed_bitcoin_txid_is_refused_saying_without_0x():
    assert_refused("bitcoin", "txid", ETHEREUM_TX, match="without 0x")


XRP_VALID_TAGS = [
    pytest.param("0", id="zero"),
    pytest.param("1", id="one"),
    pytest.param("12345", id="five-digits"),
    pytest.param("4294967295", id="uint32-max"),
    pytest.param(" 42 ", id="surrounding-whitespace"),
]

XRP_INVALID_TAGS = [
    pytest.param("-1", id="minus-one"),
    pytest.param("4294967296", id="uint32-max-plus-one"),
    pytest.param("abc", id="letters"),
    pytest.param("", id="empty"),
    pytest.param("1.5", id="decimal"),
    pytest.param("1e3", id="exponent"),
    pytest.param("+5", id="plus-sign"),
    pytest.param("12 34", id="inner-space"),
    pytest.param("\u00b2", id="superscript-two"),
    pytest.param("\u0661\u0662\u0663", id="arabic-indic-digits"),
    pytest.param("\uff11\uff12", id="fullwidth-digits"),
]


# --------------------------------------------------------------------------------------------------
# The vectors as data: (network, field, value[, reason]) for validate_identifier, one test per outcome
# --------------------------------------------------------------------------------------------------


def on(network: str, field: str, vectors: list, *, group: str = "", change=None, reason: str | None = None) -> list:
    """The vectors (pytest.param of one value) as rows for `network` and `field`, with ids such as
    `bitcoin-address-bip350-v1-40-byte-program`; `change` turns each value into the one checked."""
    rows = []
    for vector in vectors:
        (value,) = vector.values
        value = change(value) if change else value
        label = "-".join(part for part in (network, field, group, vector.id) if part)
        rows.append(pytest.param(network, field, value, *([reason] if reason else []), id=label))
    return rows


def per_network(vectors: list, field: str) -> list:
    """Vectors written as pytest.param(network, value) (the txid tables) as rows."""
    return [
        pytest.param(network, field, value, id=f"{network}-{field}-{vector.id.removeprefix(network + '-')}")
        for vector in vectors
        for network, value in [vector.values]
    ]


def typo(alphabet: str):
    return lambda value: one_character_changed(value, alphabet)


def bitcoin_family_typo(segwit_prefix: str):
    """Base58 for legacy addresses, bech32 for segwit ones (same case)."""
    return lambda value: one_character_changed(
        value, BECH32 if value.lower().startswith(segwit_prefix) else BASE58_BITCOIN
    )


ACCEPTED = [
    *on("bitcoin", "address", BITCOIN_VALID_SEGWIT + BITCOIN_VALID_BASE58 + BITCOIN_VALID_CASE_FLIPPED),
    *on("litecoin", "address", LITECOIN_VALID_BASE58 + LITECOIN_VALID_SEGWIT),
    *[row for network in EVM_NETWORKS for row in on(network, "address", EIP55_PUBLISHED)],
    *on("tron", "address", TRON_VALID),
    *on("solana", "address", SOLANA_VALID_ADDRESS),
    *on("xrp", "address", XRP_VALID_ADDRESS),
    *on("xrp", "memo", XRP_VALID_TAGS),
    *per_network(VALID_TXIDS, "txid"),
]

REFUSED = [
    *on("bitcoin", "address", BITCOIN_INVALID, group="invalid"),
    *on("bitcoin", "address", BITCOIN_WRONG_NETWORK, group="other-network"),
    *on("bitcoin", "address", BITCOIN_INVALID_SHAPE, group="wrong-shape"),
    *on("litecoin", "address", LITECOIN_INVALID),
    *on("ethereum", "address", EVM_INVALID_ADDRESS),
    *on("tron", "address", TRON_INVALID),
    *on("solana", "address", SOLANA_INVALID_ADDRESS),
    *on("solana", "txid", SOLANA_INVALID_SIGNATURE),
    *on("xrp", "address", XRP_INVALID_ADDRESS),
    *per_network(INVALID_TXIDS, "txid"),
]

# A checksummed identifier with one character changed: the checksum catches it and says "typo".
TYPOS = [
    *on("bitcoin", "address", BITCOIN_VALID_SEGWIT + BITCOIN_VALID_BASE58, change=bitcoin_family_typo("bc1")),
    *on("litecoin", "address", LITECOIN_VALID_BASE58 + LITECOIN_VALID_SEGWIT, change=bitcoin_family_typo("ltc1")),
    *on("tron", "address", TRON_VALID, change=typo(BASE58_BITCOIN)),
    *on("xrp", "address", XRP_VALID_ADDRESS, change=typo(BASE58_XRP)),
]

SOLANA_USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"

# Refusals whose message tells the customer what to do instead (a regular expression on it).
REFUSED_WITH_A_REASON = [
    *on(
        "ethereum",
        "address",
        EIP55_PUBLISHED,
        group="one-letter-case-flipped",
        change=lambda address: first_letter_case_flipped(address),
        reason="EIP-55",
    ),
    *on("xrp", "address", XRP_X_ADDRESSES, group="x-address", reason="classic address .*destination tag"),
    *on("xrp", "memo", XRP_INVALID_TAGS, reason="0 to 4294967295"),
    *[
        pytest.param(
            "solana", "address", with_character(SOLANA_USDC_MINT, char), "base58", id=f"solana-address-forbidden-{char}"
        )
        for char in ["0", "O", "I", "l"]
    ],
    *[
        pytest.param(network, "memo", "12345", "does not use a memo", id=f"{network}-memo-on-a-network-without-memo")
        for network in ["bitcoin", "ethereum", "tron", "solana", "litecoin"]
    ],
]


@pytest.mark.parametrize(("network", "field", "value"), ACCEPTED)
def test_published_identifier_is_accepted(network, field, value):
    assert_accepted(network, field, value)


@pytest.mark.parametrize(("network", "field", "value"), REFUSED)
def test_malformed_or_foreign_identifier_is_refused(network, field, value):
    assert_refused(network, field, value)


@pytest.mark.parametrize(("network", "field", "value"), TYPOS)
def test_identifier_with_one_changed_character_is_refused_as_a_typo(network, field, value):
    assert_refused(network, field, value, match="typo")


@pytest.mark.parametrize(("network", "field", "value", "reason"), REFUSED_WITH_A_REASON)
def test_refused_identifier_says_why(network, field, value, reason):
    assert_refused(network, field, value, match=reason)


# --------------------------------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asset", "amount"),
    [
        pytest.param("BTC", "0.00000001", id="btc-8-decimals"),
        pytest.param("BTC", "21000000", id="btc-whole"),
        pytest.param("BTC", "1.10000000", id="btc-trailing-zeros-beyond-significance"),
        pytest.param("btc", "0.5", id="btc-lowercase-asset"),
        pytest.param("LTC", "0.12345678", id="ltc-8-decimals"),
        pytest.param("USDT", "0.000001", id="usdt-6-decimals"),
        pytest.param("USDC", "100.5", id="usdc-1-decimal"),
        pytest.param("ETH", "0.000000000000000001", id="eth-18-decimals"),
        pytest.param("SOL", "0.000000001", id="sol-9-decimals"),
        pytest.param("XRP", "0.000001", id="xrp-6-decimals"),
        pytest.param("DOGE", "0.123456789123", id="unknown-asset-no-decimal-limit"),
    ],
)
def test_valid_amount_is_accepted(asset, amount):
    validate_amount(asset, Decimal(amount))


@pytest.mark.parametrize(
    ("asset", "amount", "match"),
    [
        pytest.param("BTC", "0", "greater than zero", id="btc-zero"),
        pytest.param("BTC", "0.00000000", "greater than zero", id="btc-zero-with-decimals"),
        pytest.param("BTC", "-1", "greater than zero", id="btc-negative"),
        pytest.param("USDT", "-0.000001", "greater than zero", id="usdt-negative"),
        pytest.param("BTC", "0.000000001", "8 decimal places", id="btc-9-decimals"),
        pytest.param("LTC", "1.000000001", "8 decimal places", id="ltc-9-decimals"),
        pytest.param("USDT", "0.0000001", "6 decimal places", id="usdt-7-decimals"),
        pytest.param("usdc", "1.1234567", "6 decimal places", id="usdc-lowercase-7-decimals"),
        pytest.param("ETH", "0.0000000000000000001", "18 decimal places", id="eth-19-decimals"),
        pytest.param("XRP", "0.0000001", "6 decimal places", id="xrp-7-decimals"),
    ],
)
def test_invalid_amount_is_refused(asset, amount, match):
    with pytest.raises(InvalidIdentifier, match=match):
        validate_amount(asset, Decimal(amount))


# --------------------------------------------------------------------------------------------------
# validate_identifier itself
# --------------------------------------------------------------------------------------------------


def test_unknown_network_is_refused():
    assert_refused("dogecoin", "address", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", match="Unknown network")


def test_unknown_field_is_refused():
    assert_refused("bitcoin", "amount", "1", match="Unknown field")


# --------------------------------------------------------------------------------------------------
# Memo/tag networks and amounts as customers type them
# --------------------------------------------------------------------------------------------------

MEMO_NETWORKS = [code for code, network in NETWORKS.items() if network.memo_required]


def test_xrp_is_a_network_that_requires_its_destination_tag():
    assert "xrp" in MEMO_NETWORKS


@pytest.mark.parametrize("network", MEMO_NETWORKS)
def test_missing_memo_on_a_memo_network_gets_a_hint(network):
    assert memo_missing_message(network, "  ")


def test_missing_xrp_destination_tag_hint_names_the_tag():
    assert memo_missing_message("xrp", "").startswith("XRP deposits need the destination tag")


@pytest.mark.parametrize("network", ["bitcoin", "ethereum", "tron", "unknown"])
def test_no_memo_is_fine_on_a_network_without_memos(network):
    assert memo_missing_message(network, "") is None


def test_given_memo_is_not_missing():
    assert memo_missing_message("xrp", "104857") is None


def test_networks_list_tells_the_memo_hint():
    assert network_as_dict(NETWORKS["xrp"])["memo"]["hint"].startswith("XRP deposits need the destination tag")
    assert network_as_dict(NETWORKS["bitcoin"])["memo"]["hint"] is None


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        pytest.param("1,000.50", "1000.50", id="comma-grouping"),
        pytest.param("1000.50", "1000.50", id="plain"),
        pytest.param("1,234,567.000001", "1234567.000001", id="millions-with-6-decimals"),
        pytest.param("250", "250", id="whole"),
        pytest.param("0.25", "0.25", id="fraction"),
        pytest.param(" 1,000 ", "1000", id="surrounding-spaces"),
        # From a Chinese input method.
        pytest.param("１，０００．５０", "1000.50", id="full-width"),
    ],
)
def test_amount_in_the_customers_format_is_read(typed, amount):
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("1.000,50", id="decimal-comma-with-dot-grouping"),
        pytest.param("1,00,0", id="grouping-of-two-and-one"),
        pytest.param("1,00,000", id="indian-grouping"),
        pytest.param("1,0000", id="grouping-of-four"),
        pytest.param("1000,50", id="decimal-comma"),
        pytest.param("1,000.50.1", id="two-decimal-points"),
        pytest.param("1.2.3", id="dotted-version"),
        pytest.param("", id="empty"),
        pytest.param(".", id="lone-point"),
        pytest.param("abc", id="letters"),
        pytest.param("1e5", id="exponent"),
        pytest.param("-5", id="negative"),
        pytest.param("\u0661\u0662\u0663", id="arabic-indic-digits"),
    ],
)
def test_ambiguous_or_malformed_amount_is_refused(typed):
    with pytest.raises(InvalidIdentifier, match=r"1,000\.50 or 1000\.50"):
        parse_amount(typed)
