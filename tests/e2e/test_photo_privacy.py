"""Report photos kept as bytes are the person's data: in /mydata, gone with /forget (the ones
they sent; a photo taken at work stays, unlinked), and gone with their report at retention."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from sqlalchemy import select, update

from storage.models import GridReport, Photo
from tests.support.chat import Chat
from tests.support.needs_reports import make_report
from tests.support.photos import opened, stored_photo
from tests.support.volunteering import person_id


async def _photos(chat: Chat) -> list[Photo]:
    async with chat.app.db.transaction() as session:
        return list((await session.execute(select(Photo).order_by(Photo.id))).scalars())


async def test_mydata_holds_the_photos_one_sent(chat: Chat) -> None:
    pid = await person_id(chat, "王凤兰")
    report = await make_report(chat.app, "王凤兰", photo_ref="telegram:f1")
    await stored_photo(chat.app, report, person_id=pid)
    await stored_photo(chat.app, report, role="after", person_id=await person_id(chat, "张磊"))
    replies = await chat.say("王凤兰", "/mydata")
    document = next(r.document for r in replies if r.document)
    [photo] = json.loads(document[1])["photos"]  # hers, not the grid worker's
    assert photo["report_id"] == report and photo["role"] == "before"
    assert opened(base64.b64decode(photo["jpeg_base64"])).size == (640, 480)
    assert "您发送的照片：保存了 1 张（原图在附件中）" in replies[0].text  # said in words too


async def test_mydata_in_words_counts_the_photos_kept(chat: Chat) -> None:
    assert "照片" not in (await chat.say("王凤兰", "/mydata"))[0].text  # none sent, none said
    pid = await person_id(chat, "Michael Brown")
    for ref in ("telegram:e1", "telegram:e2"):
        await stored_photo(
            chat.app, await make_report(chat.app, "Michael Brown", photo_ref=ref), person_id=pid
        )
    text = (await chat.say("Michael Brown", "/mydata"))[0].text
    assert "Photos you sent: 2 kept (the pictures are in the file)" in text


async def test_forget_deletes_the_photos_one_sent_and_keeps_the_offices(chat: Chat) -> None:
    pid = await person_id(chat, "张淑珍")
    worker = await person_id(chat, "张磊")
    report = await make_report(chat.app, "张淑珍", photo_ref="telegram:f1")
    await stored_photo(chat.app, report, person_id=pid)
    after = await stored_photo(chat.app, report, role="after", person_id=worker)
    await chat.script("张淑珍", [("/forget", "确定要注销吗"), ("1", "您的信息已删除")])
    [kept] = await _photos(chat)
    assert (kept.id, kept.person_id) == (after, worker)  # the grid worker's record of the fix
    async with chat.app.db.transaction() as session:
        row = await session.get(GridReport, report)
        assert row is not None and row.photo_ref is None


async def test_retention_deletes_the_photos_of_long_closed_reports(chat: Chat) -> None:
    app, clock = chat.app, chat.app.deps.clock
    old = await make_report(app, "王凤兰", photo_ref="telegram:a", after_photo_ref="wechat:b")
    new = await make_report(app, "王凤兰", photo_ref="telegram:c")
    for report, role in ((old, "before"), (old, "after"), (new, "before")):
        await stored_photo(app, report, role=role)
    async with app.db.transaction() as session:
        await session.execute(
            update(GridReport)
            .where(GridReport.id == old)
            .values(status="closed", updated_at=clock() - timedelta(days=800))
        )
    from storage.repos import privacy

    async with app.db.transaction() as session:
        changed = await privacy.anonymize_expired(session, clock(), 730)
    assert changed["photos"] == 2 and changed["reports"] == 1
    assert [p.report_id for p in await _photos(chat)] == [new]
    async with app.db.transaction() as session:
        row = await session.get(GridReport, old)
        assert row is not None and (row.photo_ref, row.after_photo_ref) == (None, None)
