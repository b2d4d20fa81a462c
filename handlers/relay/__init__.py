"""The relay (转达): the two sides of one item talk through Linli, numbers hidden.

Generic over items (`handlers.relay.items`): a need — its resident and accepted volunteers — and
a grid report — its reporter and assigned grid worker. Messages are kept with the item
(`relay_messages`), delivered through the outbox, shown in the item's view (`thread_part`),
exported by /mydata and erased with the item or the person. Its whole wiring is below.
"""

from handlers.core.dialogs import Flow
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.relay.address import (
    ASK_ADDRESS,
    address_button,
    offer_choices,
    profile_line,
    set_address,
)
from handlers.relay.commands import (
    RELAY,
    msg_command,
    open_button,
    phone_button,
    share_phone_command,
)
from handlers.relay.thread import thread_part

FLOWS: dict[str, Flow] = {RELAY.name: RELAY, ASK_ADDRESS.name: ASK_ADDRESS}
COMMANDS = {"msg": msg_command, "share_phone": share_phone_command, "address": set_address}
KEYWORDS = {"发消息": "msg", "回复": "msg", "留言": "msg", "message": "msg"}
KEYWORDS |= {"地址": "address", "门牌": "address", "我的地址": "address"}
PAYLOADS = {"relay": open_button, "relayphone": phone_button, "addr": address_button}
HELP = N_("relay.help")

FEATURE = Feature(
    "relay",
    commands=COMMANDS,
    flows=FLOWS,
    keywords=KEYWORDS,
    payloads=PAYLOADS,
    help=[(HELP, None)],
)

__all__ = [
    "COMMANDS",
    "FEATURE",
    "FLOWS",
    "HELP",
    "KEYWORDS",
    "PAYLOADS",
    "RELAY",
    "offer_choices",
    "profile_line",
    "thread_part",
]
