"""Hostile and odd input: refused before the database, or answered politely, never a crash."""

from __future__ import annotations

import asyncio

import xmltodict
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from bot.bootstrap import App
from bot.channels.wechat.protocol import sign
from storage.models import AuditEntry, Base, DialogState, ProcessedUpdate
from storage.repos.dialogs import sender_key
from tests.e2e.wechat.test_wechat_dialogs import REGISTRATION, register
from tests.e2e.wechat.wx import Answer, WeChatServer, envelope

XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>oEvil</FromUserName><CreateTime>{t}</CreateTime>
<MsgType>text</MsgType><Content>&secret;</Content><MsgId>1</MsgId></xml>"""
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml ['
    '<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
    + '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    + "]><xml><ToUserName>gh</ToUserName><FromUserName>oEvil</FromUserName>"
    "<CreateTime>{t}</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content>"
    "<MsgId>2</MsgId></xml>"
)


async def _rows(app: App) -> dict[str, int]:
    """Rows in every table."""
    async with app.db.transaction() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def test_refused_requests_write_nothing(wx: WeChatServer, demo_app: App) -> None:
    before = await _rows(demo_app)
    hello = envelope("oEvil0000001", wx.now, "text", {"Content": "/start", "MsgId": 99})
    cases = [
        ("forged signature", wx.post(hello, query=wx.query() | {"signature": "0" * 40}), 403),
        ("no signature", wx.post(hello, query={"timestamp": str(wx.now), "nonce": "1"}), 403),
        ("stale timestamp", wx.post(hello, query=wx.query(timestamp=wx.now - 301)), 403),
        ("future timestamp", wx.post(hello, query=wx.query(timestamp=wx.now + 301)), 403),
        ("bad nonce", wx.post(hello, query=wx.query(nonce="1]]><x>")), 403),
        ("superscript timestamp", wx.post(hello, query=wx.query(timestamp="²")), 403),
        ("Arabic-Indic timestamp", wx.post(hello, query=_indic_now(wx)), 403),
        ("XXE", wx.post(XXE.format(t=wx.now)), 400),
        ("billion laughs", wx.post(LAUGHS.replace("{t}", str(wx.now))), 400),
        ("not XML", wx.post("hello there"), 400),
        ("no root", wx.post("<foo><MsgType>text</MsgType></foo>"), 400),
        ("not UTF-8", wx.post(b"<xml>\xff\xfe</xml>"), 400),
        ("no sender", wx.post("<xml><MsgType>text</MsgType><CreateTime>1</CreateTime></xml>"), 400),
        ("nested sender", wx.post(hello.replace("<![CDATA[oEvil0000001]]>", "<a>b</a>")), 400),
        ("no MsgId", wx.post(hello.replace("<MsgId>99</MsgId>", "")), 400),
        ("bad MsgId", wx.post(hello.replace("<MsgId>99</MsgId>", "<MsgId>x</MsgId>")), 400),
        ("1 MB body", wx.post(hello + " " * (1024 * 1024)), 413),
        ("64 KB + 1", wx.post(b" " * (64 * 1024 + 1)), 413),
        ("AES but no key set", _aes_with(wx, hello), 400),
        ("unknown encrypt_type", wx.post(hello, query=wx.query() | {"encrypt_type": "rot13"}), 400),
    ]
    for name, request, status in cases:
        answer = await request
        assert answer.status == status, (name, answer.status, answer.body)
        assert "Traceback" not in answer.body and "secret" not in answer.body, name
    assert await _rows(demo_app) == before


async def test_safe_mode_refuses_plain_and_forged_callbacks(
    wx_aes: WeChatServer, demo_app: App
) -> None:
    """With WECHAT_AES_KEY set only encrypted callbacks whose msg_signature checks are taken:
    a plain `signature` covers no body, so a plain or downgraded callback could carry anything."""
    before = await _rows(demo_app)
    hello = envelope("oEvil0000002", wx_aes.now, "text", {"Content": "/start", "MsgId": 98})
    q = wx_aes.query()
    cases = [
        ("plain body", wx_aes.post(hello, aes=False), 403),
        (
            "plain, encrypt_type=raw",
            wx_aes.post(hello, query=q | {"encrypt_type": "raw"}, aes=False),
            403,
        ),
        (
            "plain, empty encrypt_type",
            wx_aes.post(hello, query=q | {"encrypt_type": ""}, aes=False),
            403,
        ),
        ("downgrade: sealed body, no encrypt_type", _aes_with(wx_aes, hello, encrypt_type=""), 403),
        ("bad msg_signature", _aes_with(wx_aes, hello, msg_signature="1" * 40), 403),
        ("no msg_signature", _aes_with(wx_aes, hello, msg_signature=""), 403),
        ("msg_signature of another body", _aes_other_signature(wx_aes, hello), 403),
        ("garbage", _aes_garbage(wx_aes), 400),
        ("XXE inside", _aes_with(wx_aes, XXE.format(t=wx_aes.now)), 400),
    ]
    for name, request, status in cases:
        answer = await request
        assert answer.status == status, (name, answer.status, answer.body)
        assert "Traceback" not in answer.body and "secret" not in answer.body, name
    assert await _rows(demo_app) == before
    assert "请选择语言" in (await wx_aes.text("oEvil0000002", "/start")).text  # sealed: taken


def _indic_now(wx: WeChatServer) -> dict[str, str]:
    """A query signed over the current time written in Arabic-Indic digits (int() reads them)."""
    indic = str(wx.now).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return wx.query(timestamp=indic)


async def _aes_with(wx: WeChatServer, xml: str, **override: str) -> Answer:
    """An encrypted callback, sealed correctly, with some query values overridden."""
    query = wx.query()
    crypto = WeChatCrypto(wx.config.token, wx.config.aes_key, wx.config.appid)
    sealed = xmltodict.parse(crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
    q = query | {"encrypt_type": "aes", "msg_signature": sealed["MsgSignature"]} | override
    body = f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
    return await wx.post(body, query=q, aes=False)


async def _aes_other_signature(wx: WeChatServer, xml: str) -> Answer:
    """A sealed body posted with the msg_signature of another sealed body (same query)."""
    query = wx.query()
    crypto = WeChatCrypto(wx.config.token, wx.config.aes_key, wx.config.appid)
    ts, nonce = query["timestamp"], query["nonce"]
    sealed = xmltodict.parse(crypto.encrypt_message(xml, nonce, ts))["xml"]
    other = xmltodict.parse(crypto.encrypt_message(xml.replace("/start", "/me"), nonce, ts))["xml"]
    q = query | {"encrypt_type": "aes", "msg_signature": other["MsgSignature"]}
    body = f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
    return await wx.post(body, query=q, aes=False)


async def _aes_garbage(wx: WeChatServer) -> Answer:
    """Correctly signed, but the ciphertext is not one of ours."""
    query = wx.query()
    garbage = "QUFBQUFBQUFBQUFBQUFBQQ=="  # valid base64
    signature = sign(wx.config.token, query["timestamp"], query["nonce"], garbage)
    q = query | {"encrypt_type": "aes", "msg_signature": signature}
    return await wx.post(f"<xml><Encrypt>{garbage}</Encrypt></xml>", query=q, aes=False)


async def test_unknown_message_types_get_a_polite_reply(wx: WeChatServer, demo_app: App) -> None:
    for kind, fields in (
        ("video", {"MediaId": "m1", "ThumbMediaId": "t1"}),
        ("shortvideo", {"MediaId": "m2", "ThumbMediaId": "t2"}),
        ("link", {"Title": "链接", "Description": "d", "Url": "http://example.com"}),
        ("voice", {"MediaId": "m3", "Format": "amr"}),  # no speech recognition
        ("file", {"Title": "a.pdf"}),
        ("hologram", {}),
    ):
        answer = await wx.raw("oOdd00000001", kind, **fields)
        assert answer.status == 200, kind
        assert "暂时看不懂" in answer.text, (kind, answer.text)
    # Voice with recognition enabled arrives as text.
    answer = await wx.raw("oOdd00000001", "voice", MediaId="m4", Format="amr", Recognition="注册")
    assert "请选择语言" in answer.text
    # Unknown events are acknowledged and ignored.
    for event in ("VIEW", "TEMPLATESENDJOBFINISH", "view_miniprogram", "something_new"):
        answer = await wx.event("oOdd00000001", event, EventKey="http://example.com")
        assert (answer.status, answer.body) == (200, "success"), event


async def test_unknown_types_answer_in_the_users_language(wx: WeChatServer) -> None:
    await wx.script("oEnglish00001", [("/start", "请选择语言"), ("2", "How will you use Linli")])
    answer = await wx.raw("oEnglish00001", "video", MediaId="m", ThumbMediaId="t")
    assert "cannot read this kind of message" in answer.text


CDATA_NAME = "林]]><x/>]]>"
CDATA_STEPS = [*REGISTRATION[:-2], (CDATA_NAME, "隐私政策"), ("1", f"登记完成，{CDATA_NAME}")]


async def test_cdata_terminator_in_user_text_cannot_break_the_reply(wx: WeChatServer) -> None:
    await wx.script("oInject00001", CDATA_STEPS)  # the replies parse and carry the text unchanged
    assert f"称呼：{CDATA_NAME}" in await wx.say("oInject00001", "/me")
    answer = await wx.text("oInject00003", "]]></Content><MsgType>image</MsgType>")
    assert answer.fields["MsgType"] == "text" and "发送 /start" in answer.text


async def test_cdata_terminator_cannot_break_an_encrypted_reply(wx_aes: WeChatServer) -> None:
    await wx_aes.script("oInject00002", CDATA_STEPS)


async def test_same_msgid_three_times_takes_effect_once(wx: WeChatServer, demo_app: App) -> None:
    await register(wx, "oRetry0000001")
    answers = [await wx.text("oRetry0000001", "/start", msg_id=424242) for _ in range(3)]
    assert len({a.body for a in answers}) == 1 and "请选择语言" in answers[0].text
    # The redeliveries did not answer the language question on the user's behalf.
    assert "您是以什么身份使用" in await wx.say("oRetry0000001", "1")
    async with demo_app.db.transaction() as session:
        seen = ("wechat", "m:424242", sender_key("oRetry0000001"))
        assert await session.get(ProcessedUpdate, seen) is not None
        state = await session.get(DialogState, ("wechat", "oRetry0000001"))
        assert state is not None and state.step == "role"


async def test_a_retried_consent_is_recorded_once(wx: WeChatServer, demo_app: App) -> None:
    await wx.script("oRetry0000002", REGISTRATION[:-1])
    replies = [await wx.text("oRetry0000002", "1", msg_id=515151) for _ in range(3)]
    assert all("登记完成" in r.text for r in replies) and len({r.body for r in replies}) == 1
    async with demo_app.db.transaction() as session:
        consents = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "consent")
        )
    assert consents == 1


async def test_a_retried_event_takes_effect_once(wx: WeChatServer, demo_app: App) -> None:
    created = wx.now - 3
    answers = [
        await wx.event("oRetry0000003", "CLICK", created, EventKey="cmd:start") for _ in range(3)
    ]
    assert len({a.body for a in answers}) == 1 and "请选择语言" in answers[0].text
    assert "您是以什么身份使用" in await wx.say("oRetry0000003", "1")
    key = f"e:{created}:click:oRetry0000003:cmd:start"
    async with demo_app.db.transaction() as session:
        seen = ("wechat", key, sender_key("oRetry0000003"))
        assert await session.get(ProcessedUpdate, seen) is not None


async def test_one_msgid_from_two_people_is_two_messages(wx: WeChatServer, demo_app: App) -> None:
    """A MsgId is unique per sender only: two people's messages with one id both take effect,
    whether they arrive one after the other or at once (the in-flight join)."""
    one_after_other = [await wx.text(f"oSame000000{i}", "/start", msg_id=626262) for i in (1, 2)]
    at_once = await asyncio.gather(
        *(wx.text(f"oSame000000{i}", "/start", msg_id=737373) for i in (3, 4))
    )
    assert all("请选择语言" in a.text for a in [*one_after_other, *at_once])
    for i in (1, 2, 3, 4):  # each person's own dialog moved on
        assert "您是以什么身份使用" in await wx.say(f"oSame000000{i}", "1")
    async with demo_app.db.transaction() as session:
        ids = ("m:626262", "m:737373")
        keys = select(ProcessedUpdate.update_key).where(ProcessedUpdate.update_key.in_(ids))
        assert sorted((await session.execute(keys)).scalars()) == [ids[0], ids[0], ids[1], ids[1]]


async def test_flooding_is_refused_politely(wx: WeChatServer) -> None:
    texts = [await wx.say("oFlood0000001", f"消息 {i}") for i in range(25)]
    assert any("太快" in t for t in texts)
