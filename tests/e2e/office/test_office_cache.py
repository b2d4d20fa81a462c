"""The dashboard's and map's figures are reused for LINLI_OFFICE_FIGURES_SECONDS, say when they
were computed, and an action taken in the console shows at once."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_report
from tests.support.office import PUBLIC_URL, client, sign_in


@pytest.fixture
def settings() -> Settings:
    return Settings(
        LINLI_LANG="zh_CN", LINLI_PUBLIC_URL=PUBLIC_URL, LINLI_OFFICE_FIGURES_SECONDS=30
    )


async def test_figures_are_reused_briefly_and_say_so(chat: Chat, clock: FakeClock) -> None:
    report = await make_report(chat.app)
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        home = await http.get("/office/", follow_redirects=True)
        assert "（最多缓存 30 秒）" in home.text
        region = home.url.path.rsplit("/", 1)[1]
        api = f"/office/api/regions/{region}"
        first = (await http.get(f"{api}/dashboard")).json()
        assert first["counts"]["reports"]["open"] == 1 and first["max_age_s"] == 30
        map_first = (await http.get(f"{api}/map")).json()
        await make_report(chat.app, text="又有人装了地锁")  # a change made in chat
        clock.advance(seconds=29)
        again = (await http.get(f"{api}/dashboard")).json()
        assert again == first  # reused, and says since when
        assert (await http.get(f"{api}/map")).json()["as_of"] == map_first["as_of"]
        clock.advance(seconds=2)
        fresh = (await http.get(f"{api}/dashboard")).json()
        assert fresh["counts"]["reports"]["open"] == 2 and fresh["as_of"] > first["as_of"]
        assert len((await http.get(f"{api}/map")).json()["points"]) == 2
        # An action in the console empties the cache: the next load shows it.
        closed = await http.post(
            f"/office/items/report/{report}/close", data={"csrf": csrf, "note": "已拆除"}
        )
        assert closed.status_code == 303
        after = (await http.get(f"{api}/dashboard")).json()
        assert after["counts"]["reports"]["open"] == 1
