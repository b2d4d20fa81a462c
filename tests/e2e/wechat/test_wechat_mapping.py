"""Callbacks to neutral messages, and replies to WeChat text: the adapter's pure parts."""

from __future__ import annotations

import pytest
from wechatpy import parse_message

from bot.channels.wechat.mapping import (
    Dispatch,
    Ignored,
    Unsubscribed,
    Unsupported,
    to_action,
    update_key,
)
from bot.channels.wechat.protocol import Rejected
from bot.channels.wechat.rendering import photos, render, split
from handlers.core.messages import Choice, Link, Reply
from tests.e2e.wechat.wx import envelope


def _parsed(msg_type: str, user: str = "oUser", created: int = 1764468000, **fields):
    return parse_message(envelope(user, created, msg_type, fields))


def test_text_image_location_voice() -> None:
    text = to_action(_parsed("text", Content=" 报事 ", MsgId=11))
    assert isinstance(text, Dispatch) and text.message.text == "报事"
    assert (text.message.channel, text.message.user_id, text.message.update_key) == (
        "wechat",
        "oUser",
        "m:11",
    )
    image = to_action(_parsed("image", PicUrl="http://x", MediaId="MEDIA9", MsgId=12))
    assert isinstance(image, Dispatch) and image.message.photo == "wechat:MEDIA9"
    place = to_action(
        _parsed("location", Location_X=39.9, Location_Y=116.4, Label="劲松", MsgId=13)
    )
    assert isinstance(place, Dispatch) and place.message.location is not None
    assert (place.message.location.lat, place.message.location.lon) == (39.9, 116.4)
    heard = to_action(_parsed("voice", MediaId="v", Format="amr", Recognition="帮助", MsgId=14))
    assert isinstance(heard, Dispatch) and heard.message.text == "帮助"
    assert isinstance(to_action(_parsed("voice", MediaId="v", Format="amr", MsgId=15)), Unsupported)


def test_events() -> None:
    follow = to_action(_parsed("event", Event="subscribe"))
    assert isinstance(follow, Dispatch) and follow.message.text == "/help"
    scanned = to_action(_parsed("event", Event="subscribe", EventKey="qrscene_42", Ticket="t"))
    assert isinstance(scanned, Dispatch)
    assert isinstance(to_action(_parsed("event", Event="unsubscribe")), Unsubscribed)
    click = to_action(_parsed("event", Event="CLICK", EventKey="cmd:Report"))
    assert isinstance(click, Dispatch) and click.message.text == "/report"
    assert isinstance(to_action(_parsed("event", Event="CLICK", EventKey="other")), Ignored)
    where = to_action(
        _parsed("event", Event="LOCATION", Latitude=39.9, Longitude=116.4, Precision=5)
    )
    assert isinstance(where, Dispatch) and where.only_in_flow
    for event in ("VIEW", "SCAN", "location_select", "pic_weixin", "brand_new_event"):
        assert isinstance(to_action(_parsed("event", Event=event, EventKey="k")), Ignored), event


def test_event_keys_dedupe_retries_but_not_different_buttons() -> None:
    a = _parsed("event", created=100, Event="CLICK", EventKey="cmd:me")
    retry = _parsed("event", created=100, Event="CLICK", EventKey="cmd:me")
    other = _parsed("event", created=100, Event="CLICK", EventKey="cmd:help")
    later = _parsed("event", created=101, Event="CLICK", EventKey="cmd:me")
    assert update_key(a) == update_key(retry) == "e:100:click:oUser:cmd:me"
    assert len({update_key(a), update_key(other), update_key(later)}) == 3
    assert update_key(_parsed("event", created=100, Event="subscribe")) == "e:100:subscribe:oUser"
    long_user = _parsed("event", user="o" * 128, Event="subscribe")
    assert len(update_key(long_user)) <= 128


@pytest.mark.parametrize(
    ("msg_type", "fields"),
    [
        ("text", {"Content": "hi"}),  # no MsgId
        ("text", {"Content": "hi", "MsgId": "abc"}),
        ("location", {"Location_X": "north", "Location_Y": 1, "MsgId": 1}),
        ("location", {"Location_X": 91, "Location_Y": 1, "MsgId": 1}),
        ("location", {"Location_X": "nan", "Location_Y": 1, "MsgId": 1}),
        ("event", {"Event": "LOCATION", "Latitude": 1, "Longitude": "inf"}),
    ],
)
def test_nonsense_fields_are_refused(msg_type: str, fields: dict) -> None:
    with pytest.raises(Rejected) as refused:
        to_action(_parsed(msg_type, **fields))
    assert refused.value.status == 400


def test_rendering_numbers_only_the_last_choices() -> None:
    replies = [
        Reply("已附议。", (Choice("查看", "/proposal 1"),)),
        Reply(
            "下一步？", (Choice("是", "yes"), Choice("否", "no")), (Link("说明", "https://x.cn/a"),)
        ),
    ]
    text = render(replies, lambda key: {"wechat.reply_number": "回复数字："}[key])
    assert text == (
        "已附议。\n· 查看\n\n下一步？\n回复数字：\n1. 是\n2. 否\n🔗 说明：https://x.cn/a"
    )


def test_documents_and_photos() -> None:
    small = Reply("导出", document=("a.csv", "id,name\n1,王"))
    big = Reply("导出", document=("b.csv", "x" * 5000))
    t = {"wechat.document_too_long": "太长", "wechat.reply_number": "回复数字："}.__getitem__
    assert render([small], t) == "导出\n📎 a.csv\nid,name\n1,王"
    assert render([big], t) == "导出\n太长"
    shots = [Reply("a", photo="wechat:M1"), Reply("b", photo="telegram:F"), Reply("c")]
    assert photos(shots) == ["M1"]


def test_split_keeps_lines_and_byte_limit() -> None:
    assert split("短") == ["短"]
    assert split("") == [""]
    text = "\n".join("行" * 100 for _ in range(20))  # 300 bytes a line
    pieces = split(text, limit=1000)
    assert "\n".join(pieces) == text and all(len(p.encode()) <= 1000 for p in pieces)
    one_line = "字" * 1000  # 3000 bytes, no line break
    pieces = split(one_line, limit=1000)
    assert "".join(pieces) == one_line and all(len(p.encode()) <= 1000 for p in pieces)
