"""The protocol layer: Tencent's published sample as known answers, URL check, plain and AES.

Known-answer vectors: the sample of Tencent's message-encryption scheme (WXBizMsgCrypt), token
"QDG6eK", EncodingAESKey "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", id "wx5823bf96d3bd56c7",
as printed in the official documentation ("加解密方案说明 → 举例说明",
https://developer.work.weixin.qq.com/document/path/90968) and in the Sample.cs / Sample.php shipped
with Tencent's WXBizMsgCrypt library (the official-account edition names the id `sAppID`). The
official-account safe mode uses the same algorithm with the app id as the receiver id.
"""

from __future__ import annotations

import xmltodict
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from bot.channels.wechat.protocol import Protocol, Rejected, cdata_safe, sign
from tests.e2e.wechat.wx import WeChatServer

SAMPLE_TOKEN = "QDG6eK"
SAMPLE_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_APPID = "wx5823bf96d3bd56c7"
SAMPLE_TIMESTAMP, SAMPLE_NONCE = "1409659813", "1372623149"
SAMPLE_MSG_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
SAMPLE_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911"
    "L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLx"
    "AUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9"
    "nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/u"
    "h9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
SAMPLE_BODY = (
    f"<xml><ToUserName><![CDATA[{SAMPLE_APPID}]]></ToUserName>"
    f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
)
# The URL-verification sample: msg_signature over the encrypted echostr, which decrypts to this.
SAMPLE_VERIFY = (
    "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "1409659589",
    "263014780",
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    "1616140317555161061",
)


def _sample_query() -> dict[str, str]:
    # The sample has no plain `signature` (official accounts send both); we add a valid one.
    return {
        "timestamp": SAMPLE_TIMESTAMP,
        "nonce": SAMPLE_NONCE,
        "signature": sign(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE),
        "encrypt_type": "aes",
        "msg_signature": SAMPLE_MSG_SIGNATURE,
    }


def test_known_answer_signature() -> None:
    assert sign(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == (
        SAMPLE_MSG_SIGNATURE
    )


def test_known_answer_decryption_through_the_protocol() -> None:
    protocol = Protocol(SAMPLE_TOKEN, SAMPLE_APPID, SAMPLE_AES_KEY)
    inbound = protocol.open(_sample_query(), SAMPLE_BODY.encode(), int(SAMPLE_TIMESTAMP))
    message = inbound.message
    assert inbound.encrypted
    assert (message.type, message.content, message.id) == ("text", "hello", 4561255354251345929)
    assert (message.source, message.target) == ("mycreate", SAMPLE_APPID)


def test_known_answer_encryption_reproduces_the_sample(monkeypatch) -> None:
    """The sample plaintext with its own random prefix encrypts to its ciphertext exactly."""
    key = WeChatCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_APPID).key
    plain = PrpCrypto(key).decrypt(SAMPLE_ENCRYPT, SAMPLE_APPID)
    monkeypatch.setattr(PrpCrypto, "get_random_string", lambda self: "0960688932c47ef1")
    crypto = WeChatCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_APPID)
    sealed = xmltodict.parse(crypto.encrypt_message(plain, SAMPLE_NONCE, SAMPLE_TIMESTAMP))["xml"]
    assert sealed["Encrypt"] == SAMPLE_ENCRYPT
    assert sealed["MsgSignature"] == SAMPLE_MSG_SIGNATURE


def test_known_answer_url_verification_echo() -> None:
    signature, timestamp, nonce, echo, expected = SAMPLE_VERIFY
    assert sign(SAMPLE_TOKEN, timestamp, nonce, echo) == signature
    key = WeChatCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_APPID).key
    assert PrpCrypto(key).decrypt(echo, SAMPLE_APPID) == expected


def test_sample_tampered_or_replayed_is_refused() -> None:
    protocol = Protocol(SAMPLE_TOKEN, SAMPLE_APPID, SAMPLE_AES_KEY)
    now = int(SAMPLE_TIMESTAMP)
    for query, body, when, status in (
        (_sample_query() | {"msg_signature": "0" * 40}, SAMPLE_BODY, now, 403),
        (_sample_query(), SAMPLE_BODY.replace("RypEv", "RypFv"), now, 403),
        (_sample_query(), SAMPLE_BODY, now + 301, 403),  # five minutes later: a replay
        (_sample_query(), SAMPLE_BODY, now - 301, 403),
    ):
        try:
            protocol.open(query, body.encode(), when)
        except Rejected as exc:
            assert exc.status == status
        else:
            raise AssertionError("accepted a bad request")


def test_another_accounts_ciphertext_is_refused() -> None:
    protocol = Protocol(SAMPLE_TOKEN, "wx0000000000000000", SAMPLE_AES_KEY)
    try:
        protocol.open(_sample_query(), SAMPLE_BODY.encode(), int(SAMPLE_TIMESTAMP))
    except Rejected as exc:
        assert exc.status == 400
    else:
        raise AssertionError("decrypted a message addressed to another app id")


def test_cdata_safe_text_survives_a_round_trip() -> None:
    tricky = "a]]>b<![CDATA[c]]>]]]>>\x00\x07d"
    xml = f"<xml><Content><![CDATA[{cdata_safe(tricky)}]]></Content></xml>"
    assert xmltodict.parse(xml)["xml"]["Content"] == "a]]>b<![CDATA[c]]>]]]>>d"


async def test_url_verification_echoes_echostr(wx: WeChatServer) -> None:
    query = wx.query() | {"echostr": "8473620193847561"}
    answer = await wx.http.get("/wechat", params=query)
    assert (answer.status_code, answer.text) == (200, "8473620193847561")
    forged = query | {"signature": "f" * 40}
    assert (await wx.http.get("/wechat", params=forged)).status_code == 403
    stale = wx.query(timestamp=wx.now - 3600) | {"echostr": "1"}
    assert (await wx.http.get("/wechat", params=stale)).status_code == 403


async def test_plain_mode_round_trip(wx: WeChatServer) -> None:
    answer = await wx.text("oPlainUser0001", "/start")
    assert answer.status == 200
    assert answer.fields["MsgType"] == "text"
    assert answer.fields["ToUserName"] == "oPlainUser0001"
    assert answer.fields["FromUserName"] == "gh_linli"
    assert "请选择语言" in answer.text and "回复数字：\n1. 中文\n2. English" in answer.text


async def test_aes_mode_round_trip(wx_aes: WeChatServer) -> None:
    answer = await wx_aes.text("oSafeModeUser01", "/start")
    assert answer.status == 200
    assert "<Encrypt>" in answer.body and "请选择语言" not in answer.body
    assert answer.fields["ToUserName"] == "oSafeModeUser01"
    assert "请选择语言" in answer.text


async def test_aes_mode_without_a_key_is_refused(wx_aes: WeChatServer, channel) -> None:
    channel.protocol = Protocol(channel.config.token, channel.config.appid, None)
    answer = await wx_aes.text("oSafeModeUser02", "/start")
    assert answer.status == 400
