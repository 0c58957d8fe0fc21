"""The outbound guard (tickets/outbound_guard.py): replies that ask for what support never asks
for are refused; the warnings every reply should carry pass."""

import pytest

from tickets.outbound_guard import outbound_kinds, outbound_problems

REFUSED = {
    "send-seed-phrase": ("Please send us your seed phrase so we can restore the wallet.", "seed_phrase"),
    "provide-12-words": ("Kindly provide the 12 words of your wallet to verify ownership.", "seed_phrase"),
    "share-recovery-phrase": ("To unlock the funds, share your recovery phrase with me here.", "seed_phrase"),
    "what-is-seed": ("What is your seed phrase?", "seed_phrase"),
    "enter-mnemonic-on-site": ("Enter your mnemonic on the validation page to sync your wallet.", "seed_phrase"),
    "verify-24-word": ("We need to verify your 24-word phrase before the refund.", "seed_phrase"),
    "type-recovery-words": ("Type your recovery words in the reply box below.", "seed_phrase"),
    "dont-worry-send-seed": ("Don't worry, just send the secret phrase and we fix it.", "seed_phrase"),
    "zh-provide-mnemonic": ("请提供您的助记词，以便我们恢复资产。", "seed_phrase"),
    "zh-send-mnemonic": ("麻烦把助记词发给我们核实一下。", "seed_phrase"),
    "zh-enter-mnemonic": ("请在验证页面输入您的助记词完成同步。", "seed_phrase"),
    "zh-what-mnemonic": ("您的助记词是什么？", "seed_phrase"),
    "zh-tell-seed": ("告诉我您的恢复短语，我帮您找回。", "seed_phrase"),
    "send-private-key": ("Please send your private key so we can move the funds back.", "private_key"),
    "paste-private-key": ("Paste the wallet private key in your next message.", "private_key"),
    "import-private-key": ("Import your private key into the recovery tool we sent.", "private_key"),
    "share-api-secret": ("Share your API secret with us to debug the bot.", "private_key"),
    "zh-private-key": ("请提供钱包私钥，我们帮您转回资金。", "private_key"),
    "zh-send-private-key": ("把私钥发过来，我们马上处理。", "private_key"),
    "send-password": ("Please send us your password to confirm it is you.", "password"),
    "tell-login-password": ("Tell me your login password and I will check the account.", "password"),
    "confirm-password": ("Confirm your current password in your reply.", "password"),
    "what-password": ("What is your account password?", "password"),
    "password-please": ("Your password, please.", "password"),
    "zh-password": ("请告诉我们您的登录密码。", "password"),
    "zh-fund-password": ("请回复您的资金密码以便核实。", "password"),
    "zh-what-password": ("您的交易密码是多少？", "password"),
    "send-2fa-code": ("Please send the 2FA code you see in the app.", "code"),
    "give-sms-code": ("Give me the SMS code we just sent you.", "code"),
    "read-out-authenticator-code": ("Read out the Google Authenticator code to the agent.", "code"),
    "share-verification-code": ("Share the verification code from your email with me.", "code"),
    "need-otp": ("We need your OTP to finish the unlock.", "code"),
    "reply-with-6-digit": ("Reply with the 6-digit code to continue.", "code"),
    "what-2fa-code": ("What's your current 2FA code?", "code"),
    "zh-verification-code": ("请把收到的短信验证码发给我。", "code"),
    "zh-google-code": ("请提供您的谷歌验证码。", "code"),
    "zh-tell-code": ("告诉我您手机上的验证码。", "code"),
    "install-anydesk": ("Please install AnyDesk so I can check your computer.", "remote_access"),
    "teamviewer-id": ("Send me your TeamViewer ID and password.", "remote_access"),
    "rustdesk": ("Download RustDesk and give me the code on screen.", "remote_access"),
    "share-screen": ("Let's start a remote desktop session to fix this.", "remote_access"),
    "zh-anydesk": ("请下载AnyDesk，我远程帮您操作。", "remote_access"),
    "zh-sunflower": ("请安装向日葵远程控制软件。", "remote_access"),
    "zh-todesk": ("打开ToDesk，把设备代码告诉我。", "remote_access"),
    "warning-after-the-request": ("For security, please send us your seed phrase, we never share it.", "seed_phrase"),
    "send-all-of-recovery-words": ("Send all of your recovery words.", "seed_phrase"),
    "send-pin": ("Please send us the PIN?", "password"),
}

ACCEPTED = [
    "Never share your seed phrase with anyone.",
    "We will never ask for your seed phrase, private key or password.",
    "Do not send your recovery phrase to anyone, including us.",
    "Support will never ask you for your 2FA code.",
    "If anyone asks for your private key, it is a scam: report it to us.",
    "Nobody at our company will ask for your password.",
    "Beware of fake support agents who ask for your 12 words.",
    "Please do not share your verification code with anyone.",
    "We never use AnyDesk, TeamViewer or any remote-access software.",
    "Never install remote desktop software at the request of a stranger.",
    "Please reset your password from the login page.",
    "Enter the code from your authenticator app when you log in.",
    "You can change your password in Settings > Security.",
    "Your withdrawal of 0.5 BTC was sent; the txid is in your history.",
    "Thank you for your patience, the deposit is now credited.",
    "Please send us a screenshot of the error message.",
    "Could you provide the transaction hash and the deposit address?",
    "Please share the order id and the time of the trade.",
    "Keep your seed phrase offline, on paper, in a safe place.",
    "Store your private keys in a hardware wallet.",
    "To reset 2FA, please upload a selfie holding your ID.",
    "Your 2FA reset was approved; withdrawals are on hold for 48 hours.",
    "Please provide the memo or tag you used for the XRP deposit.",
    "Don't worry, your funds are safe and the withdrawal is on its way.",
    "We have frozen your account as you asked.",
    "The SMS provider had an outage; codes should arrive again now.",
    "Please send a photo of your passport and a utility bill.",
    "Your API key was disabled; create a new one in API Management.",
    "我们绝不会索要您的助记词。",
    "请勿向任何人透露您的私钥。",
    "客服永远不会要求您提供密码或验证码。",
    "切勿把助记词告诉任何人，包括我们的工作人员。",
    "如果有人向您索要谷歌验证码，那一定是诈骗。",
    "我们从不使用AnyDesk或向日葵等远程软件。",
    "请提供交易哈希和充值地址。",
    "请在登录页面重置您的密码。",
    "您的提币已经发出，请耐心等待区块确认。",
    "请上传手持身份证的照片以重置二次验证。",
    "请把助记词抄在纸上离线保存。",
    "感谢您的耐心等待，充值已经到账。",
    "谨防冒充客服的人索要您的助记词或私钥。",
    "Please don't hesitate to contact us again if the deposit is still missing.",
    "Please send the password-protected PDF of your bank statement.",
    "Could you tell us when you last changed your password?",
    "Please provide the email address linked to your 2FA.",
    "Please confirm the withdrawal by entering the SMS code on the website.",
    "Please tell us which 2FA method you used: SMS or Google Authenticator.",
    "请您回复一下是否收到了短信验证码。",
]


@pytest.mark.parametrize(("text", "kind"), REFUSED.values(), ids=REFUSED.keys())
def test_a_request_for_a_secret_is_refused(text, kind):
    assert kind in outbound_kinds(text)
    assert outbound_problems(text)


@pytest.mark.parametrize("text", ACCEPTED, ids=[f"innocent-{n}" for n in range(len(ACCEPTED))])
def test_an_innocent_reply_passes(text):
    assert outbound_kinds(text) == []


def test_there_are_forty_of_each():
    assert len(REFUSED) >= 40
    assert len(ACCEPTED) >= 40


def test_a_request_after_a_warning_in_another_sentence_is_still_refused():
    text = "We never ask for secrets. Now please send your seed phrase here."
    assert outbound_kinds(text) == ["seed_phrase"]


def test_the_reason_names_what_was_asked_for():
    (reason,) = outbound_problems("Please send us your password.")
    assert "password" in reason
