#!/usr/bin/env python3
"""Generate the threadgate demo dataset: ``config/demo/*.jsonl``.

The embedded backend imports this folder when its database is new, so that a fresh checkout
answers all four inbound dialects (Rocket.Chat, SelfCommunity, Quip) with no other process.
The data is the chat history of **Northwind Robotics** (company ``northwind``), a small maker
of warehouse robots (AMRs), and one partner, **Acme Logistics** (company ``acme``), whose Reno
distribution centre runs a pilot fleet.

People
    ana.lima      Ana Lima       support lead            (int id 101)
    kenji.sato    Kenji Satō     support engineer        (int id 102)
    chloe.martin  Chloé Martin   hardware lead           (int id 103)
    ben.okafor    Ben Okafor     hardware and firmware
    priya.raman   Priya Raman    product manager
    marcus.wei    Marcus Wei     IT and operations; company admin of ``northwind``
    jpark         (no name)      firmware contractor who never set a display name
    dana.reyes    Dana Reyes     Acme Logistics, pilot operations manager

Rooms, and the behaviour each one is there to exercise
    ``GENERAL`` (public channel)
        Everyone. Threads of 3-8 replies; one incident thread with more than 120 replies
        (paging past Rocket.Chat's 100 cap); replies also shown in the room (``tshow``); a
        deleted reply; a hidden message; ``uj`` and ``room_changed_topic`` system messages;
        an edited message; mentions; reactions; a file; a Rocket.Chat custom field.
    ana.lima <-> kenji.sato (direct, int id 501): the busy room
        The support rotation's DM: more than 2,000 short messages over seven weeks, with
        timestamp ties, weekly handover threads (some replies ``tshow``), one deleted and one
        hidden message. Paging for ``dm.history`` and ``/api/v2/pm/``.
    ``hardware-team`` (private group, int id 502)
        About 15 messages with HTML, a voice note and a log file. ``dana.reyes``, ``ana.lima``
        and ``marcus.wei`` are not members (403 tests).
    Three more direct rooms: chloe <-> ben, priya <-> dana (int id 503), ana <-> marcus.
    "Q3 Launch Plan" (Quip document, company ``northwind``)
        Comments (anchored annotations, a file, a mention, likes, a deleted one, an
        integration message with Quip ``parts``) and four edit records whose diffs use all
        four diff classes. ``marcus.wei`` is not a member but reads it as company admin.
    "Reno DC Pilot: Site Readiness" (Quip document, company ``acme``)
        Not readable through the ``northwind`` admin API (403 tests).

Determinism
    Ids and tokens are derived by hashing a stable label (``user/ana.lima``,
    ``msg/support/17``), so they do not move when unrelated content changes. Times and
    filler text come from ``random.Random`` instances seeded per room. Running the script
    twice gives byte-identical files.

Usage: ``python3 config/demo/generate.py`` (Python 3.11, standard library only). It writes
``users.jsonl``, ``rooms.jsonl``, ``messages.jsonl`` and ``tokens.jsonl`` next to itself.
The format is described in ``docs/data-format.md``; ``config/demo/README.md`` lists the ids
and tokens worth knowing.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

OUT_DIR = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------------
# Ids and tokens
# --------------------------------------------------------------------------------------------

#: Meteor's ``Random.id()`` alphabet (no 0/1/I/O/l), used by Rocket.Chat for every id.
RC_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits


def derive(label: str, alphabet: str, length: int) -> str:
    """A stable pseudo-random string for ``label``."""
    n = int.from_bytes(hashlib.sha512(f"threadgate-demo/{label}".encode()).digest(), "big")
    chars = []
    for _ in range(length):
        n, r = divmod(n, len(alphabet))
        chars.append(alphabet[r])
    return "".join(chars)


def rc_id(label: str) -> str:
    """A Rocket.Chat style 17-character id."""
    return derive(label, RC_ALPHABET, 17)


def quip_id(label: str) -> str:
    """A Quip style 11-character id (threads, annotations)."""
    return derive(label, ALNUM, 11)


def quip_message_id(label: str) -> str:
    """A Quip message id: 11 characters with ``D`` at index 4, like ``WabADAipzzM``."""
    raw = quip_id(label)
    return raw[:4] + "D" + raw[5:]


def quip_blob_hash(label: str) -> str:
    """A Quip blob hash (22 characters), the ``hash`` of a Quip file."""
    return derive(label, ALNUM, 22)


def section_id(label: str) -> str:
    """A Quip document section id, like ``temp:C:TDTa2jOeXkLCn``."""
    return "temp:C:" + derive(f"section/{label}", ALNUM, 12)


# --------------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------------

UTC = timezone.utc


def stamp(t: datetime) -> str:
    """RFC 3339 UTC with microseconds: ``2026-03-02T09:14:07.482913Z``."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Clock:
    """Hands out strictly increasing, realistically spaced times with non-zero microseconds."""

    def __init__(self, rng: random.Random, start: datetime | None = None) -> None:
        self.rng = rng
        self.now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def at(self, when: str) -> datetime:
        """Jump to wall time ``when`` (``"2026-03-02 09:14"``, UTC) plus random seconds."""
        base = datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        t = base + timedelta(microseconds=self.rng.randint(1_000_000, 58_999_999))
        if t <= self.now:
            raise ValueError(f"clock would go backwards: {when} <= {stamp(self.now)}")
        self.now = self._nonzero_micros(t)
        return self.now

    def after(self, lo_seconds: float, hi_seconds: float) -> datetime:
        """Advance by a random amount between the two bounds (at least one second)."""
        lo = max(1_000_000, int(lo_seconds * 1_000_000))
        hi = max(lo, int(hi_seconds * 1_000_000))
        self.now = self._nonzero_micros(self.now + timedelta(microseconds=self.rng.randint(lo, hi)))
        return self.now

    def later(self, t: datetime, lo_seconds: float, hi_seconds: float) -> datetime:
        """A time after ``t`` (for edits, reactions, deletions); does not move the clock."""
        delta = timedelta(microseconds=self.rng.randint(int(lo_seconds * 1e6), int(hi_seconds * 1e6)))
        return self._nonzero_micros(t + delta)

    @staticmethod
    def _nonzero_micros(t: datetime) -> datetime:
        return t + timedelta(microseconds=1) if t.microsecond == 0 else t


# --------------------------------------------------------------------------------------------
# The dataset being built
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    key: str
    id: str
    username: str
    name: str | None
    avatar_url: str | None = None
    int_id: int | None = None


@dataclass
class Room:
    key: str
    id: str
    kind: str  # direct | group | channel | document
    members: list[User]
    created_at: datetime
    name: str | None = None
    company_id: str | None = None
    group_id: str | None = None
    int_id: int | None = None
    seq: int = 0  # messages posted so far, for message ids

    def next_message_id(self) -> str:
        self.seq += 1
        label = f"msg/{self.key}/{self.seq}"
        return quip_message_id(label) if self.kind == "document" else rc_id(label)

    def other(self, user: User) -> User:
        """The other participant of a direct room."""
        (peer,) = [m for m in self.members if m.id != user.id]
        return peer


@dataclass
class Dataset:
    users: list[User] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[dict[str, Any]] = field(default_factory=list)

    def post(
        self,
        room: Room,
        author: User,
        text: str,
        at: datetime,
        *,
        parent: dict[str, Any] | None = None,
        html: str | None = None,
        updated_at: datetime | None = None,
        edited: tuple[datetime, User] | None = None,
        kind: str = "regular",
        system_type: str | None = None,
        status: str = "visible",
        show_in_room: bool = False,
        attachments: list[dict[str, Any]] | None = None,
        mentions: Iterable[User] = (),
        reactions: dict[str, list[User]] | None = None,
        annotation: dict[str, Any] | None = None,
        diff_groups: list[dict[str, Any]] | None = None,
        int_id: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Append one message; keys follow the seed format's order, absent ones omitted."""
        if edited is not None:
            updated_at = max(updated_at or edited[0], edited[0])
        m: dict[str, Any] = {"id": room.next_message_id(), "room_id": room.id}
        if parent is not None:
            m["parent_id"] = parent["id"]
        m["author_id"] = author.id
        if room.kind == "direct":
            m["recipient_id"] = room.other(author).id
        m["text"] = text
        if html is not None:
            m["html"] = html
        m["created_at"] = stamp(at)
        if updated_at is not None:
            m["updated_at"] = stamp(updated_at)
        if edited is not None:
            m["edited_at"] = stamp(edited[0])
            m["edited_by"] = edited[1].id
        m["kind"] = kind
        if system_type is not None:
            m["system_type"] = system_type
        m["status"] = status
        if show_in_room:
            m["show_in_room"] = True
        if attachments:
            m["attachments"] = attachments
        mention_ids = [u.id for u in mentions]
        if mention_ids:
            m["mentions"] = mention_ids
        if reactions:
            m["reactions"] = {emoji: [u.id for u in users] for emoji, users in reactions.items()}
        if annotation is not None:
            m["annotation"] = annotation
        if diff_groups:
            m["diff_groups"] = diff_groups
        if int_id is not None:
            m["int_id"] = int_id
        if extra is not None:
            m["extra"] = extra
        self.messages.append(m)
        return m

    def write(self, out_dir: Path) -> None:
        users = [_user_record(u) for u in self.users]
        rooms = [_room_record(r) for r in self.rooms]
        # Chronological; replies always come after their root, so roots precede replies.
        # Python's sort is stable, so equal timestamps keep posting order.
        messages = sorted(self.messages, key=lambda m: m["created_at"])
        for name, records in (
            ("users.jsonl", users),
            ("rooms.jsonl", rooms),
            ("messages.jsonl", messages),
            ("tokens.jsonl", self.tokens),
        ):
            with open(out_dir / name, "w", encoding="utf-8", newline="\n") as f:
                for record in records:
                    f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                    f.write("\n")


def _user_record(u: User) -> dict[str, Any]:
    record: dict[str, Any] = {"id": u.id, "username": u.username, "name": u.name}
    if u.avatar_url is not None:
        record["avatar_url"] = u.avatar_url
    if u.int_id is not None:
        record["int_id"] = u.int_id
    return record


def _room_record(r: Room) -> dict[str, Any]:
    record: dict[str, Any] = {"id": r.id, "kind": r.kind}
    if r.name is not None:
        record["name"] = r.name
    record["members"] = [u.id for u in r.members]
    for key in ("company_id", "group_id", "int_id"):
        value = getattr(r, key)
        if value is not None:
            record[key] = value
    record["created_at"] = stamp(r.created_at)
    return record


def file_attachment(label: str, name: str, mime_type: str, size: int, **more: Any) -> dict[str, Any]:
    """A Rocket.Chat upload: id, name, type, size and its download URL."""
    file_id = rc_id(f"file/{label}")
    attachment = {
        "id": file_id,
        "name": name,
        "mime_type": mime_type,
        "size": size,
        "url": f"https://chat.northwind-robotics.example/file-upload/{file_id}/{name}",
    }
    attachment.update(more)
    return attachment


# --------------------------------------------------------------------------------------------
# People and credentials
# --------------------------------------------------------------------------------------------

PEOPLE = [
    # key, username, display name, has avatar, pinned integer id
    ("ana", "ana.lima", "Ana Lima", True, 101),
    ("kenji", "kenji.sato", "Kenji Satō", True, 102),
    ("chloe", "chloe.martin", "Chloé Martin", True, 103),
    ("ben", "ben.okafor", "Ben Okafor", False, None),
    ("priya", "priya.raman", "Priya Raman", True, None),
    ("marcus", "marcus.wei", "Marcus Wei", False, None),
    ("jpark", "jpark", None, False, None),
    ("dana", "dana.reyes", "Dana Reyes", True, None),
]

#: Company admins, by user key: their bearer token carries ``admin_of``.
COMPANY_ADMINS = {"marcus": ["northwind"]}


def make_users(ds: Dataset) -> dict[str, User]:
    users = {}
    for key, username, name, has_avatar, int_id in PEOPLE:
        avatar = f"https://chat.northwind-robotics.example/avatar/{username}" if has_avatar else None
        user = User(key, rc_id(f"user/{username}"), username, name, avatar, int_id)
        users[key] = user
        ds.users.append(user)
    return users


def make_tokens(ds: Dataset) -> None:
    """One Rocket.Chat login token (43 characters) and one bearer token per user."""
    for user in ds.users:
        ds.tokens.append(
            {
                "user_id": user.id,
                "scheme": "rocketchat",
                "token": derive(f"token/rocketchat/{user.username}", ALNUM, 43),
            }
        )
        bearer: dict[str, Any] = {
            "user_id": user.id,
            "scheme": "bearer",
            "token": f"tg_bearer_{user.username}_{derive(f'token/bearer/{user.username}', LOWER_ALNUM, 16)}",
        }
        if user.key in COMPANY_ADMINS:
            bearer["admin_of"] = COMPANY_ADMINS[user.key]
        ds.tokens.append(bearer)


# --------------------------------------------------------------------------------------------
# Rooms
# --------------------------------------------------------------------------------------------


def t(when: str) -> datetime:
    """A fixed room creation time (``"2025-11-03 08:02:11.523817"``, UTC)."""
    return datetime.strptime(when, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


def direct_room(key: str, a: User, b: User, created: str, int_id: int | None = None) -> Room:
    """A DM; like Rocket.Chat, its id is the two user ids sorted and concatenated."""
    return Room(key, "".join(sorted([a.id, b.id])), "direct", [a, b], t(created), int_id=int_id)


@dataclass
class Rooms:
    general: Room
    hardware: Room
    support: Room
    chloe_ben: Room
    priya_dana: Room
    ana_marcus: Room
    launch_plan: Room
    acme_readiness: Room


def make_rooms(ds: Dataset, u: dict[str, User]) -> Rooms:
    rooms = Rooms(
        general=Room(
            "general", "GENERAL", "channel", list(u.values()), t("2025-11-03 08:02:11.523817"), name="general"
        ),
        hardware=Room(
            "hardware",
            rc_id("room/hardware-team"),
            "group",
            [u["chloe"], u["ben"], u["kenji"], u["jpark"], u["priya"]],
            t("2025-11-04 10:15:42.907316"),
            name="hardware-team",
            group_id="hardware-team",
            int_id=502,
        ),
        support=direct_room("support", u["ana"], u["kenji"], "2025-11-05 09:01:33.118204", int_id=501),
        chloe_ben=direct_room("chloe-ben", u["chloe"], u["ben"], "2025-11-12 14:27:05.640931"),
        priya_dana=direct_room("priya-dana", u["priya"], u["dana"], "2026-02-09 16:44:19.275083", int_id=503),
        ana_marcus=direct_room("ana-marcus", u["ana"], u["marcus"], "2025-12-01 11:08:57.382716"),
        launch_plan=Room(
            "launch-plan",
            quip_id("thread/q3-launch-plan"),
            "document",
            [u["priya"], u["chloe"], u["ben"]],
            t("2026-02-10 08:47:26.194385"),
            name="Q3 Launch Plan",
            company_id="northwind",
        ),
        acme_readiness=Room(
            "acme-readiness",
            quip_id("thread/acme-reno-readiness"),
            "document",
            [u["dana"], u["priya"]],
            t("2026-02-11 15:20:48.731942"),
            name="Reno DC Pilot: Site Readiness",
            company_id="acme",
        ),
    )
    ds.rooms.extend(vars(rooms).values())
    return rooms


# --------------------------------------------------------------------------------------------
# #general: threads, system messages, edits, reactions, files
# --------------------------------------------------------------------------------------------


def build_general(ds: Dataset, u: dict[str, User], room: Room) -> None:
    clock = Clock(random.Random("general"))
    post = ds.post
    ana, kenji, chloe, ben, priya, marcus, jpark, dana = (
        u[k] for k in ("ana", "kenji", "chloe", "ben", "priya", "marcus", "jpark", "dana")
    )

    # -- Monday 16 February ------------------------------------------------------------------
    post(room, marcus, "Company-wide announcements and cross-team questions. Incidents go in threads, please.",
         clock.at("2026-02-16 08:03"), kind="system", system_type="room_changed_topic")
    at = clock.at("2026-02-16 08:31")
    post(room, marcus,
         "Morning all! From today the Q3 Launch Plan doc is the source of truth for dates. Priya owns it, "
         "so ask her before you promise anything to a customer.",
         at, updated_at=clock.later(at, 300, 1800), reactions={":+1:": [ana, chloe, kenji]})

    root = post(room, chloe,
                "Firmware 2.4.1-rc2 is on the staging fleet (8 units in Bay 3). Please report anything weird "
                "in this thread, not in DMs 🙏", clock.at("2026-02-16 09:12"),
                reactions={":eyes:": [ben, jpark]})
    post(room, ben,
         "Flashed AMR-0112 and AMR-0117 this morning, both booted clean. Boot time is down from 41 s to 33 s.",
         clock.after(600, 1500), parent=root)
    post(room, kenji, "Does rc2 include the dock retry fix for NW-4471? Acme keeps asking.",
         clock.after(300, 900), parent=root)
    post(room, chloe, "@kenji.sato yes, it's in: 3 attempts with a 20 s backoff instead of giving up after one.",
         clock.after(120, 600), parent=root, mentions=[kenji], reactions={":pray:": [kenji]})
    post(room, jpark, "AMR-0119 logged a lidar timeout at 10:42, only once. I'll put the log in the hardware room.",
         clock.after(1800, 3600), parent=root)
    post(room, ben, "That's the cable strain on the 0119 chassis, not firmware. I'll swap the harness tomorrow.",
         clock.after(300, 1200), parent=root)
    post(room, chloe, "Great. rc2 stays on staging until Thursday, then we cut 2.4.1.",
         clock.after(600, 1800), parent=root, reactions={":+1:": [ben, kenji, ana]})

    post(room, dana, "dana.reyes", clock.at("2026-02-16 14:02"), kind="system", system_type="uj")
    post(room, priya,
         "Welcome @dana.reyes! Dana runs the pilot at Acme Logistics' Reno DC and will hang out here for the "
         "next few weeks.",
         clock.after(60, 240), mentions=[dana],
         reactions={":wave:": [ana, kenji, chloe, marcus], ":tada:": [ben]})
    post(room, dana,
         "Thanks Priya! Happy to be here. And merci Chloé for the site visit notes, they were super helpful.",
         clock.after(120, 480), reactions={":heart:": [chloe]})

    # -- Wednesday 18 February ---------------------------------------------------------------
    root = post(room, priya,
                "Heads up: the Acme demo moved to Thursday 14:00 CET. We need two units on 2.4.1 and a clean map "
                "of the demo aisle.", clock.at("2026-02-18 08:52"))
    post(room, chloe, "We can take AMR-0112 and AMR-0117 from staging, they're already on rc2.",
         clock.after(300, 900), parent=root)
    deleted_at = clock.after(120, 400)
    post(room, dana, "Can someone resend me the VPN invite? The old link expired.",
         deleted_at, parent=root, status="deleted", updated_at=clock.later(deleted_at, 30, 90))
    post(room, marcus, "I'll book the demo room and set up the guest Wi-Fi.", clock.after(300, 900), parent=root)
    post(room, dana, "14:00 works for us. I'll bring our ops lead, Jürgen.", clock.after(600, 1800), parent=root)
    post(room, priya, "Confirmed: Thursday 14:00 CET, AMR-0112 + AMR-0117, demo aisle 4. Calendar invite sent.",
         clock.after(900, 2400), parent=root, show_in_room=True, reactions={":white_check_mark:": [chloe, marcus]})

    at = clock.at("2026-02-18 11:20")
    post(room, ben,
         "CI for the arm64 firmware image is back to green after the runner upgrade. Build time 14 min (was 22).",
         at, edited=(clock.later(at, 120, 400), ben))

    root = post(room, ben, "Anyone else seeing the Windows build of fleet-tool fail on a fresh checkout?",
                clock.at("2026-02-18 13:05"))
    post(room, jpark,
         'Yes, it chokes on the long path. The log says: cannot open "C:\\Users\\jpark\\src\\fleet-tool\\target\\'
         'debug\\build\\nw-proto-3f2a\\out\\fleet.rs"',
         clock.after(300, 900), parent=root)
    post(room, ben, "Enable long paths: `git config --system core.longpaths true` plus the LongPathsEnabled registry "
         "key. Fixed it for me.", clock.after(120, 600), parent=root)
    post(room, jpark, "That did it, thanks!", clock.after(600, 1200), parent=root, reactions={":tada:": [ben]})
    post(room, kenji, "Adding this to the onboarding page.", clock.after(300, 900), parent=root)

    # -- Friday 20 February ------------------------------------------------------------------
    at = clock.at("2026-02-20 09:41")
    post(room, kenji, "for the demo: staging dashboard admin password is Nw!staging-2026, user admin",
         at, status="hidden", updated_at=clock.later(at, 200, 500))
    post(room, marcus,
         "I hid a message that had a password in it. Please share credentials through the password manager, "
         "not chat 🙂", clock.after(240, 600))
    post(room, marcus,
         "Maintenance tonight 22:00-23:00 UTC: the VPN concentrator and the build cache go down for a firmware "
         "upgrade. Push your branches before you leave.",
         clock.at("2026-02-20 11:02"),
         reactions={":white_check_mark:": [ana, ben, chloe], ":+1:": [priya]},
         extra={"rocketchat": {"customFields": {"priority": "high"}}})
    post(room, ana, "Bay 3 Wi-Fi survey from yesterday. The RSSI heatmap is on page 4.",
         clock.at("2026-02-20 13:37"),
         attachments=[file_attachment("bay3-survey", "bay3-wifi-survey-2026-02-19.pdf", "application/pdf", 2483117)],
         reactions={":eyes:": [chloe, ben]})
    root = post(room, chloe,
                "Lunch & learn next Friday: Ben walks us through the new motor controller board. Questions here.",
                clock.at("2026-02-20 15:10"), reactions={":tada:": [ana, kenji, priya, jpark]})
    post(room, ana, "Will there be a recording? Kenji and I are on support rotation that day.",
         clock.after(600, 1800), parent=root)
    # A reply that carries everything a thread message can: an upload, an edit, extra fields.
    at = clock.after(600, 1800)
    post(room, ben, "Yes, recording plus slides (draft attached). Bring questions about the current limiter, "
         "that's the fun part.",
         at, parent=root, edited=(at + timedelta(minutes=4, seconds=12, microseconds=381_226), ben),
         attachments=[file_attachment("mcb-slides", "motor-controller-board-v3-draft.pdf", "application/pdf",
                                      5128334)],
         extra={"rocketchat": {"customFields": {"topic": "hardware"}}})
    post(room, priya, "@ben.okafor can you add one slide on cost per unit? Useful for the launch plan.",
         clock.after(900, 2400), parent=root, mentions=[ben], reactions={":+1:": [ben, chloe]})

    # -- Monday 2 and Tuesday 3 March: the Acme Wi-Fi incident ----------------------------------
    build_incident_thread(ds, u, room, clock)

    # -- Wednesday 4 March -------------------------------------------------------------------
    post(room, jpark, "@ana.lima @kenji.sato nice work on NW-4907 🚀",
         clock.at("2026-03-04 08:47"), mentions=[ana, kenji],
         reactions={":rocket:": [chloe, ben, priya], ":raised_hands:": [marcus]})
    root = post(room, marcus, "Reminder: expense reports for the Reno trip are due Friday.",
                clock.at("2026-03-04 10:30"))
    post(room, ben, "Does the rental car go under travel or under the site visit cost centre?",
         clock.after(600, 1800), parent=root)
    post(room, marcus, "Site visit, code NW-OPS-112.", clock.after(300, 900), parent=root)
    post(room, ben, "Thanks, submitted.", clock.after(1200, 3600), parent=root)


#: Access points in the Acme Reno DC, by aisle.
ACME_APS = {12: "AP-R-12A", 13: "AP-R-13A", 14: "AP-R-14B", 15: "AP-R-15A", 16: "AP-R-16A"}


@dataclass
class Beat:
    """One scripted reply of the incident thread."""

    author: str
    text: str
    wait: tuple[float, float] = (60, 600)  # seconds since the previous reply
    offline: tuple[int, ...] | None = None  # unit numbers offline from here on
    phase: str | None = None  # degraded | mitigated (aisle 16 still weak) | fixed, from here on
    day2: bool = False  # first reply of Tuesday
    mentions: tuple[str, ...] = ()
    reactions: dict[str, tuple[str, ...]] | None = None
    show_in_room: bool = False
    fill: bool = True  # status updates may follow


INCIDENT_BEATS = [
    Beat("kenji", "Joining. Pulling up the fleet connectivity dashboard.", (40, 120),
         offline=(3, 7, 11, 12, 15, 20), phase="degraded"),
    Beat("ana", "@dana.reyes did anything change on your network over the weekend?", (60, 180),
         mentions=("dana",)),
    Beat("dana", "Checking with IT. Jürgen says there was a maintenance window Saturday night, not sure what "
                 "they did."),
    Beat("ben", "All 6 offline units are on 2.4.0. The 18 healthy ones are a mix of 2.3.8 and 2.4.0, so not "
                "obviously firmware."),
    Beat("kenji", "Offline: AMR-0403, 0407, 0411, 0412, 0415, 0420. All were last seen on the APs in aisles 12-16."),
    Beat("chloe", "Do we have RSSI history from before Saturday? Would help to see if coverage changed."),
    Beat("ana", "Yes, pulling last week's survey export. Their layout hasn't changed since January."),
    Beat("ana", "Last week aisle 14 was around -58 dBm. Today -74 dBm. Something changed on the AP side.",
         reactions={":eyes:": ("chloe", "ben", "kenji")}),
    Beat("dana", "IT confirms: they pushed a firmware update to all APs on Saturday and it turned on band steering."),
    Beat("ben", "Band steering pushes clients to 5 GHz. Our radios do 5 GHz fine, but the roaming thresholds are "
                "tuned for 2.4."),
    Beat("chloe", "That matches: units cling to a weak 5 GHz AP for too long and then drop instead of roaming."),
    Beat("marcus", "Do we need someone on site? I can approve travel today if needed."),
    Beat("ana", "Not yet. Let's try a config change remotely first.", (60, 300)),
    Beat("kenji", "Proposal: pin the Acme fleet to 2.4 GHz with the fleet config until their IT can tune band "
                  "steering."),
    Beat("ben", "+1. The wifi.band override exists since 2.3.5. Rollout is about 2 min per unit.",
         reactions={":+1:": ("ana", "kenji", "chloe")}),
    Beat("dana", "IT is fine with that as a stopgap."),
    Beat("ana", "Rolling the band pin out to the 18 online units now. The 6 offline ones get it when they're back "
                "in range; Acme ops is walking them to aisle 3.", fill=False),
    Beat("kenji", "Band pin applied to 18/18 online units, no errors.", (300, 900)),
    Beat("dana", "First two are at aisle 3: 0403 and 0407.", offline=(11, 12, 15, 20)),
    Beat("kenji", "0403 and 0407 picked up the config and are back on 2.4 GHz.", (60, 240)),
    Beat("dana", "0411 and 0412 at aisle 3 now.", offline=(15, 20)),
    Beat("ana", "0411 ok. 0412 connects but drops again after ~30 s. Looking.", offline=(12, 15, 20)),
    Beat("ben", "0412 has a cracked antenna mount, it's in the incident from January (NW-4562). Probably unrelated "
                "but it makes it worse."),
    Beat("dana", "0415 and 0420 at aisle 3.", offline=(12,), phase="mitigated"),
    Beat("kenji", "0415 and 0420 back. 23/24 online, 0412 parked for hardware."),
    Beat("priya", "Do we need to tell other customers? Who else runs 2.4.0 with band steering?"),
    Beat("kenji", "Checked: Bluefin and Kestrel are on 2.4.0 but their controllers have band steering off. Only Acme "
                  "is exposed right now."),
    Beat("priya", "OK. I'll draft a short advisory anyway, this will happen again somewhere."),
    Beat("chloe", "We should fix the roaming threshold in firmware instead of relying on the band pin."),
    Beat("jpark", "I can take that. The roam trigger is a fixed -75 dBm today; making it band-aware is a small "
                  "change."),
    Beat("chloe", "Do it on a branch off 2.4.1, call it 2.4.2-rc1. Ben reviews."),
    Beat("ben", "Happy to review. @jpark please add the roam timing to the debug log while you're in there.",
         mentions=("jpark",)),
    Beat("jpark", "Will do."),
    Beat("ana", "Aisle 16 still looks weak: units roam fine but RSSI is -71 dBm even on 2.4. Different problem?"),
    Beat("dana", "IT says AP-R-16A was replaced in December and they may have left the transmit power on low."),
    Beat("ana", "That would explain it. Can they set it to match the others (17 dBm)?"),
    Beat("dana", "Done, they changed it 5 minutes ago."),
    Beat("ana", "Aisle 16 now -57 dBm. 👌", phase="fixed"),
    Beat("marcus", "Nice work everyone. Ana, can you write the customer summary once it's stable for a few hours?",
         mentions=("ana",)),
    Beat("ana", "Yes. We'll watch it overnight and close tomorrow if nothing drops."),
    Beat("kenji", "Setting an alert: page me if more than 2 Acme units are offline for 5+ minutes tonight."),
    Beat("ana", "Morning. Overnight: zero disconnects across 23 units, 0412 still parked.", day2=True),
    Beat("kenji", "Same on my side, the alert never fired."),
    Beat("dana", "Our night shift says it was the smoothest night since the pilot started 😄",
         reactions={":tada:": ("ana", "kenji", "chloe", "ben")}),
    Beat("jpark", "2.4.2-rc1 is up for review: band-aware roaming thresholds (-75 dBm on 2.4, -70 on 5) and roam "
                  "timing in the debug log."),
    Beat("ben", "Reviewed, two small comments. Otherwise good."),
    Beat("jpark", "Fixed, rebuilding."),
    Beat("chloe", "Let's put rc1 on AMR-0112 and 0117 in staging with band steering on, to reproduce Acme's setup."),
    Beat("ben", "Staging AP has band steering on now. Flashing 0112 and 0117."),
    Beat("ben", "Both on rc1. Walking them around Bay 3."),
    Beat("ben", "40 roams in 30 min, worst 138 ms, no drops. On 2.4.0 the same walk dropped twice."),
    Beat("chloe", "Good enough for the pilot. @priya.raman can we ship 2.4.2 to Acme before the launch plan freeze?",
         mentions=("priya",)),
    Beat("priya", "Yes if it's out by Friday. I'll add it to the plan."),
    Beat("dana", "Jürgen wants to know if the band pin stays after the update."),
    Beat("kenji", "It stays until you tell us to remove it. With 2.4.2 you can turn band steering back on and we "
                  "drop the pin."),
    Beat("ben", "0412 antenna mount replacement is scheduled with the April service visit, NW-4911."),
    Beat("ana", "Customer summary sent to Dana and Jürgen, copy in NW-4907."),
    Beat("ana",
         "RESOLVED NW-4907: Acme's AP firmware update on Saturday enabled band steering; our 2.4.0 roaming "
         "thresholds are tuned for 2.4 GHz, so 6 units dropped instead of roaming. Mitigation: fleet pinned to "
         "2.4 GHz, AP-R-16A transmit power fixed. Fix: 2.4.2 (band-aware roaming) ships Friday. Details in the "
         "Q3 Launch Plan risks section.",
         (600, 1800), show_in_room=True, fill=False,
         reactions={":white_check_mark:": ("marcus", "priya", "chloe"), ":clap:": ("dana", "ben")}),
]

#: Replies in the incident thread: enough for two pages of Rocket.Chat's 100-message cap.
INCIDENT_REPLIES = 137


def build_incident_thread(ds: Dataset, u: dict[str, User], room: Room, clock: Clock) -> None:
    """A root posted 2026-03-02 09:14 UTC with 137 replies: scripted beats plus status updates."""
    rng = random.Random("incident")
    root = ds.post(
        room, u["ana"],
        "INCIDENT: Acme Reno DC reports 6 of 24 AMRs dropping off Wi-Fi in aisles 12-16 since 08:50 local. "
        "Opened NW-4907, updates in this thread. @chloe.martin @ben.okafor FYI",
        clock.at("2026-03-02 09:14"), mentions=[u["chloe"], u["ben"]],
        reactions={":eyes:": [u["kenji"], u["chloe"], u["ben"], u["marcus"]], ":rotating_light:": [u["priya"]]},
    )
    ds.post(room, u["marcus"], "FYI: Acme incident in progress, see the thread above. Support has the lead.",
            clock.after(240, 600))

    # Spread the status updates over the beats that allow them.
    fillers = INCIDENT_REPLIES - len(INCIDENT_BEATS)
    slots = [i for i, beat in enumerate(INCIDENT_BEATS) if beat.fill]
    per_beat = {i: 0 for i in slots}
    for _ in range(fillers):
        per_beat[rng.choice(slots)] += 1

    offline: tuple[int, ...] = ()
    phase = "degraded"
    replies = 0
    for i, beat in enumerate(INCIDENT_BEATS):
        if beat.offline is not None:
            offline = beat.offline
        if beat.phase is not None:
            phase = beat.phase
        at = clock.after(*beat.wait) if not beat.day2 else clock.at("2026-03-03 08:05")
        ds.post(
            room, u[beat.author], beat.text, at, parent=root,
            mentions=[u[k] for k in beat.mentions],
            reactions={e: [u[k] for k in who] for e, who in beat.reactions.items()} if beat.reactions else None,
            show_in_room=beat.show_in_room,
        )
        replies += 1
        for _ in range(per_beat.get(i, 0)):
            at = clock.after(90, 420)
            author = u[rng.choice(["ana", "kenji", "kenji", "ben"])]
            ds.post(room, author, incident_update(rng, at, offline, phase), at, parent=root)
            replies += 1
    assert replies == INCIDENT_REPLIES, replies


def incident_update(rng: random.Random, at: datetime, offline: tuple[int, ...], phase: str) -> str:
    """A short monitoring update consistent with the incident's state at that time."""
    online = [n for n in range(1, 25) if n not in offline]
    unit = f"AMR-04{rng.choice(online):02d}"
    weak = phase == "degraded"
    aisle = rng.choice([12, 13, 14, 15] if phase == "mitigated" else [12, 13, 14, 15, 16])
    kind = rng.choice(["status", "status", "roam", "ping", "rssi", "missions" if not weak else "roam"])
    if kind == "status":
        if offline:
            tail = "Still offline: " + ", ".join(f"AMR-04{n:02d}" for n in offline) + "."
        else:
            tail = "All units online."
        return f"{at:%H:%M} UTC status: {len(online)}/24 online. {tail}"
    if kind == "roam":
        ms = rng.randint(380, 2400) if weak else rng.randint(45, 160)
        nxt = aisle + 1 if aisle < 16 else aisle - 1
        return f"Roam log: {unit} {ACME_APS[aisle]} -> {ACME_APS[nxt]} in {ms} ms."
    if kind == "ping":
        median = rng.randint(18, 60) if weak else rng.randint(6, 14)
        worst = rng.randint(300, 1900) if weak else rng.randint(25, 90)
        loss = rng.choice([2, 4, 7, 11]) if weak else 0
        return f"Ping sweep over the Acme fleet: median {median} ms, worst {unit} at {worst} ms / {loss}% loss."
    if kind == "rssi":
        rssi = rng.randint(-79, -70) if weak else rng.randint(-62, -54)
        return f"RSSI spot check, aisle {aisle}: {rssi} dBm on {ACME_APS[aisle]}."
    return f"{unit} has completed {rng.randint(6, 41)} missions since the band pin, no disconnects."


# --------------------------------------------------------------------------------------------
# hardware-team: a private group
# --------------------------------------------------------------------------------------------


def build_hardware_group(ds: Dataset, u: dict[str, User], room: Room) -> None:
    clock = Clock(random.Random("hardware"))
    post = ds.post
    chloe, ben, kenji, jpark, priya = (u[k] for k in ("chloe", "ben", "kenji", "jpark", "priya"))

    post(room, chloe, "Morning! Harness rev C samples arrived, 12 pcs. Ben, can you take 4 for the vibration test?",
         clock.at("2026-02-17 08:40"), int_id=1002)
    post(room, ben, "Yes, they go on the shaker this afternoon.", clock.after(300, 900))
    post(room, jpark, "Here's the lidar timeout log from AMR-0119 I mentioned in #general.",
         clock.after(1800, 3600),
         attachments=[file_attachment("amr-0119-log", "amr-0119-lidar-2026-02-16.log", "text/plain", 184233)])
    post(room, ben, "Confirmed: the timeouts line up with chassis flex at 2 g. Cable, not firmware.",
         clock.at("2026-02-17 16:22"), reactions={":100:": [chloe]})
    post(room, ben, "Voice note from the shaker room, too loud to type 😅", clock.after(120, 300),
         attachments=[file_attachment("shaker-voice-note", "voice-note-2026-02-17.m4a", "audio/mp4", 391872,
                                      duration_secs=47)])
    post(room, chloe, "Decision: we switch to the rev C harness for all Q3 units.", clock.at("2026-02-18 09:05"),
         html="<p>Decision: we switch to the <b>rev C harness</b> for all Q3 units.</p>",
         reactions={":+1:": [ben, priya, jpark]})
    post(room, priya, "Does that change the BOM cost? I need it for the launch plan.", clock.after(600, 1800))
    post(room, chloe, "+€3.40 per unit. I'll update the BOM sheet and attach it to the plan.",
         clock.after(300, 1200))
    at = clock.at("2026-02-19 10:12")
    post(room, jpark, "testing notifications, ignore", at, status="deleted", updated_at=clock.later(at, 20, 60))
    post(room, kenji, "Support question: can field techs retrofit rev C on existing units, or is it a depot job?",
         clock.at("2026-02-19 11:30"))
    post(room, ben, "Depot job. The connector needs the new crimp tool and we only have two.", clock.after(600, 1800))
    post(room, kenji, "OK, I'll tell Acme the retrofit happens at the April service visit.", clock.after(300, 900))
    at = clock.at("2026-02-24 09:18")
    post(room, jpark, "wrong room, sorry", at, status="hidden", updated_at=clock.later(at, 300, 900))
    post(room, chloe, "Motor controller v2 bring-up: 3 of 4 boards pass, board #2 has a cold joint on U7.",
         clock.at("2026-02-24 14:03"),
         html="<p>Motor controller v2 bring-up: <b>3 of 4</b> boards pass, board #2 has a cold joint on "
              "<code>U7</code>.</p>")
    post(room, ben, "Reflowed U7 on #2, it passes now. All 4 green ✅", clock.at("2026-02-25 10:47"),
         reactions={":tada:": [chloe, priya, kenji], ":muscle:": [jpark]})
    post(room, priya, "Great news. I'm marking the hardware milestone as done in the plan.", clock.after(600, 1800))
    post(room, chloe, "Reminder: 2.4.2 goes to Acme on Friday, please keep staging free until then.",
         clock.at("2026-03-04 09:20"))


# --------------------------------------------------------------------------------------------
# Small direct rooms
# --------------------------------------------------------------------------------------------


def build_small_dms(ds: Dataset, u: dict[str, User], rooms: Rooms) -> None:
    post = ds.post
    chloe, ben, priya, dana, ana, marcus = (u[k] for k in ("chloe", "ben", "priya", "dana", "ana", "marcus"))

    # Chloé and Ben
    clock = Clock(random.Random("chloe-ben"))
    r = rooms.chloe_ben
    post(r, chloe, "Do you have 10 minutes for the rev C harness routing before the group sync?",
         clock.at("2026-02-17 13:02"))
    post(r, ben, "Sure, 13:30 at the bench?", clock.after(60, 300))
    post(r, chloe, "👍", clock.after(30, 120))
    post(r, ben, "Shaker results: rev B failed at 41 min, rev C still fine at 3 h.", clock.at("2026-02-17 17:48"))
    post(r, chloe, "That settles it. Thanks for staying late!", clock.after(120, 600))
    post(r, ben, "Can you sign off the crimp tool order? 2 more units, €1,180 each.", clock.at("2026-02-19 12:15"))
    post(r, chloe, "Signed.", clock.after(900, 3000))

    # Priya and Dana (partner conversation; SelfCommunity demo: int ids 503 and 1001)
    clock = Clock(random.Random("priya-dana"))
    r = rooms.priya_dana
    post(r, priya, "Hi Dana, great to have you on the pilot. Here's the rollout schedule we discussed.",
         clock.at("2026-02-09 16:50"), int_id=1001,
         attachments=[file_attachment("pilot-schedule", "acme-pilot-rollout-v2.pdf", "application/pdf", 318774)])
    post(r, dana, "Thanks Priya! Jürgen will want week 3 moved, the inventory count is that week.",
         clock.after(1800, 5400))
    post(r, priya, "No problem, week 3 becomes week 4. Updated schedule tomorrow.", clock.after(600, 1800),
         html="<p>No problem, <b>week 3 becomes week 4</b>. Updated schedule tomorrow.</p>")
    post(r, dana, "Perfect.", clock.after(300, 900))
    post(r, dana, "Quick one: who do I call when a robot is stuck at night?", clock.at("2026-02-13 21:37"))
    post(r, priya, "Support hotline, +1 775 555 0142, 24/7. Ana and Kenji run it.", clock.at("2026-02-14 08:02"))
    at = clock.at("2026-02-19 15:20")
    post(r, dana, "ugh, sent the wrong file, ignore that", at, status="hidden", updated_at=clock.later(at, 60, 240))
    post(r, dana, "Thursday's demo was great, the team loved the aisle-4 run.", clock.at("2026-02-19 15:26"))
    post(r, priya, "So glad to hear it! Sharing that with the team 🎉", clock.after(300, 1200))
    post(r, dana, "About Monday's Wi-Fi trouble: thanks for the quick turnaround. Our IT is writing up what they "
                  "changed.", clock.at("2026-03-03 17:55"))
    post(r, priya, "Thanks Dana. 2.4.2 ships Friday; I'll send release notes the day before.",
         clock.at("2026-03-04 08:31"),
         html="<p>Thanks Dana. <b>2.4.2</b> ships Friday; I'll send release notes the day before.</p>")

    # Ana and Marcus
    clock = Clock(random.Random("ana-marcus"))
    r = rooms.ana_marcus
    post(r, ana, "Could I get admin rights on the Acme site dashboard? I keep asking Dana to reset things.",
         clock.at("2026-02-23 10:05"))
    post(r, marcus, "Done. It expires in 90 days, ping me if you need it longer.", clock.after(900, 2700))
    post(r, ana, "Thanks!", clock.after(60, 300))
    post(r, marcus, "Can you do the customer write-up for NW-4907 by Wednesday? Priya wants it for the launch plan.",
         clock.at("2026-03-02 16:40"))
    post(r, ana, "Yes, Tuesday evening at the latest.", clock.after(120, 600))


# --------------------------------------------------------------------------------------------
# The busy room: Ana and Kenji's support DM
# --------------------------------------------------------------------------------------------

SITES = [
    # site, contact, unit prefix
    ("Acme Reno DC", "Jürgen", "AMR-04"),
    ("Bluefin Foods Rotterdam", "Marta", "AMR-02"),
    ("Kestrel Pharma Lyon", "Hélène", "AMR-03"),
    ("Harbor Freight Hub Tacoma", "Luis", "AMR-05"),
    ("Greenline Grocers Leeds", "Priti", "AMR-06"),
    ("Polar Cold Storage Oslo", "Ingrid", "AMR-07"),
]
PARTS = ["dock contact kit", "bumper switch", "drive wheel assembly", "lidar harness", "BP-48 battery pack",
         "caster set", "e-stop button"]
FIRMWARE = ["2.3.8", "2.4.0", "2.4.0", "2.4.1"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

# A dialogue is a list of (speaker, line). Speaker "A" opens, "B" answers; "B=" answers at the
# very same instant (see CROSSING_DIALOGUE).
DIALOGUES: list[list[tuple[str, str]]] = [
    [("A", "Can you take {ticket}? {site} says {unit} keeps missing the charging dock."),
     ("B", "Sure, grabbing it."),
     ("B", "{ticket}: dock logs show {n} failed approaches, the IR beacon reads fine. "
           "Asking {contact} for a photo of the contacts."),
     ("A", "Thanks. If it's the contacts again we have {stock} spare kits on the shelf."),
     ("B", "Photo's in, contacts are worn down. Shipping a dock contact kit today, tracking number in the ticket.")],
    [("A", "{contact} at {site} asks if {fw} is safe to roll out fleet-wide."),
     ("B", "Release notes say yes, but they're still on the old map format. Map migration first."),
     ("A", "OK, I'll send them the migration guide and set up a call.")],
    [("A", "{unit} at {site} reports battery health at {pct}%. Warranty?"),
     ("B", "It's {months} months old, so yes. RMA under {ticket}."),
     ("A", "RMA created, the replacement BP-48 goes out with the next shipment.")],
    [("A", "Heading to lunch. {ticket} and {ticket2} are waiting on the customer."),
     ("B", "👍")],
    [("A", "{site} hit the e-stop on {unit} twice this morning. Nothing on our side except the stop events."),
     ("B", "Someone walking in the aisle? The safety scanner logs a person just before each stop."),
     ("B", "Yep, {clock1} and {clock2}, both with a person within 0.8 m. Working as intended."),
     ("A", "I'll explain it to {contact}. Maybe they need the aisle signage we sent to Bluefin.")],
    [("A", "{ticket}: {unit} has {n} lidar timeouts in the last 24 h."),
     ("B", "Which firmware?"),
     ("A", "{fw}"),
     ("B", "Could be the harness problem Ben found. Ask them to check for chafing near the mast.")],
    [("A", "{site} says {unit} drops off Wi-Fi near the loading docks."),
     ("B", "Their AP at dock {dock} is probably on channel {ch} like the neighbour's. "
           "I'll send the survey checklist.")],
    [("A", "Escalating {ticket} to hardware, it's the third drive wheel failure at {site} this month."),
     ("B", "Agreed. Tag Chloé and attach the motor current logs."),
     ("A", "Done.")],
    [("A", "EOD: {open} open tickets, {closed} closed today, oldest is {ticket} ({age} days)."),
     ("B", "Nice, down from {open_prev} yesterday.")],
    [("A", "{contact} at {site} locked themselves out of the fleet dashboard again."),
     ("B", "Resetting... done, sent them the link.")],
    [("A", "{site} moved racking in aisle {aisle}, they need a map update."),
     ("B", "Can they use the mapping wizard or do we remote in?"),
     ("A", "They want us to do it. Scheduled for {day} {hour}:00."),
     ("B", "OK, blocking my calendar.")],
    [("A", "Can you cover the early shift on {day}? Dentist appointment."),
     ("B", "Sure, swap me {day2} then?"),
     ("A", "Deal, updating the rota.")],
    [("A", "Call with {contact} ({site}) done. Happy with uptime, they want quarterly reviews."),
     ("B", "Great. Add it to the account notes?"),
     ("A", "Already did.")],
    [("A", "Only {stock} spares left of the {part}, should I reorder?"),
     ("B", "Yes, lead time is about {weeks} weeks right now.")],
    [("A", "{ticket}: {unit} bumper switch is stuck, the robot thinks it's in a collision all the time."),
     ("B", "A remote reboot won't fix that. Field visit, or can they swap the switch?"),
     ("A", "{contact} says their maintenance tech can do it if we send the part."),
     ("B", "Send it with the how-to video Ben recorded.")],
    [("A", "Is the fleet dashboard slow for you too?"),
     ("B", "Yes, ~{secs} s per page. Checking the status page."),
     ("B", "Ops is on it, it's the metrics DB vacuum. Back in 20 min.")],
    [("A", "Can you pull the logs for {unit} between {hour}:00 and {hour2}:00 yesterday?"),
     ("B", "Uploading to {ticket} now, {mb} MB.")],
    [("A", "{contact} sent a thank-you note for the quick fix on {ticket} 🎉"),
     ("B", "🙌")],
    [("A", "coffee?"),
     ("B", "in 5")],
    [("A", "Closing {ticket}, {contact} confirmed {unit} is back in service."),
     ("B", "👍")],
    [("A", "Seeing a few dock timeouts at {site} since they went to {fw}. Coincidence?"),
     ("B", "Let me check the other sites on {fw}."),
     ("B", "{n} sites on {fw}, only {site} sees it. Probably their dock firmware, it's still on 1.2."),
     ("A", "I'll ask {contact} to update the docks first.")],
    [("A", "Remote session with {site} at {soon}, want to join?"),
     ("B", "Can't, I'm on {ticket}. Record it?"),
     ("A", "Will do.")],
    [("A", "Correction: I meant {ticket}, not {ticket2}. Sorry!"),
     ("B", "np")],
    [("A", "{unit} is stuck at a wet-floor sign in aisle {aisle} 😂"),
     ("B", "Again? The costmap really hates those signs."),
     ("A", "Told {contact} to move the sign, it's driving again.")],
    [("A", "Wrote a KB article on cleaning the dock contacts, can you review?"),
     ("B", "Reviewed, two small comments. Otherwise good to publish."),
     ("A", "Published.")],
    [("A", "New ticket {ticket}: {site} wants a second charging dock in zone {zone}."),
     ("B", "That's a sales question, forward it to Priya?"),
     ("A", "Forwarded.")],
    [("A", "{unit} at {site} reports motor overcurrent on the left wheel, {n} events since {day}."),
     ("B", "Floor debris? Last time it was shrink wrap around the axle."),
     ("A", "{contact} checked: shrink wrap, again. Cleared it."),
     ("B", "Adding a cleaning reminder to their weekly checklist.")],
    [("A", "Did {ticket} get a reply from {contact}?"),
     ("B", "Not yet, pinged again this morning.")],
    [("A", "Upgrading {site} to {fw} tonight, {n} units."),
     ("B", "Want me on call?"),
     ("A", "No need, I'll text you if it goes sideways."),
     ("A", "Upgrade done, {n}/{n} units on {fw}, no issues.")],
    [("A", "{site} asks for a spare {part}. Billable or warranty?"),
     ("B", "Warranty if the unit is under 24 months. {unit} is {months}, so warranty.")],
    [("A", "Weird one: {unit} at {site} parks itself in aisle {aisle} every night at {night}."),
     ("B", "Scheduled mission? Check the mission queue."),
     ("A", "Yep, someone set a nightly 'inventory' mission in December. {contact} removed it."),
     ("B", "😄")],
]

#: Both type at once: the second message has exactly the first one's created_at (a tie).
CROSSING_DIALOGUE = [
    ("A", "I'll grab {ticket}"),
    ("B=", "I'll take {ticket}"),
    ("A", "Ha, jinx. You take it, I'll do {ticket2}."),
    ("B", "Deal."),
]

SINGLE_LINES = [
    "ok", "thanks!", "on it", "brb", "back", "sounds good", "👍", "yep", "will check after lunch",
    "in a call with Priya, back at {soon}", "{ticket} updated", "lunch?",
    "can you look at {ticket} when you have a sec?",
    "{contact} called back, all good on {ticket}", "heads down on {ticket} for an hour", "np",
]

HANDOVER_LINES = [
    "{ticket} ({site}): waiting on parts, ETA {day}.",
    "{ticket} ({site}): customer testing the fix, follow up {day}.",
    "{ticket} ({site}): escalated to hardware, Chloé has it.",
    "{ticket} ({site}): needs a remote session, booked for {day} {hour}:00.",
    "{ticket} ({site}): waiting for logs from {contact}.",
]

#: Working days of the busy room, and days with special messages (index into that list).
SUPPORT_START, SUPPORT_END = date(2026, 1, 12), date(2026, 2, 27)
TIE_DAYS = {4, 17, 29}
DELETED_DAY, HIDDEN_DAY = 9, 22


def build_support_dm(ds: Dataset, u: dict[str, User], room: Room) -> None:
    """Ana and Kenji's DM: 2,000+ templated support messages over seven weeks."""
    rng = random.Random("support")
    clock = Clock(rng)
    ana, kenji = u["ana"], u["kenji"]
    first_message = len(ds.messages)
    specials = {
        DELETED_DAY: ("deleted", "pasting the Kestrel VPN pre-shared key here for a sec: kP9-w2",
                      "sorry, wrong window"),
        HIDDEN_DAY: ("hidden", "ignore that, cat on the keyboard: ;lkjjjjjjjjjjjjjj", "sorry about that"),
    }
    tie_days = set(TIE_DAYS)

    days = [SUPPORT_START + timedelta(days=i) for i in range((SUPPORT_END - SUPPORT_START).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    for day_index, day in enumerate(days):
        clock.at(f"{day:%Y-%m-%d} 08:{rng.randint(0, 25):02d}")
        target = rng.randint(54, 72)
        posted = weekly_handover(ds, rng, clock, room, ana, kenji, day, day_index) if day.weekday() == 0 else 0
        while posted < target and clock.now.hour < 17:
            clock.after(120, 1500)
            a, b = (ana, kenji) if rng.random() < 0.5 else (kenji, ana)
            if day_index in specials and posted > target // 3:
                status, oops, sorry = specials.pop(day_index)
                ds.post(room, a, oops, clock.now, status=status, updated_at=clock.later(clock.now, 30, 300))
                ds.post(room, a, sorry, clock.after(20, 90))
                posted += 2
                continue
            if day_index in tie_days and posted > target // 2:
                tie_days.remove(day_index)
                dialogue = CROSSING_DIALOGUE
            elif rng.random() < 0.18:
                dialogue = [("A", rng.choice(SINGLE_LINES))]
            else:
                dialogue = rng.choice(DIALOGUES)
            slots = support_slots(rng, clock.now, day_index)
            for i, (speaker, line) in enumerate(dialogue):
                if i > 0 and not speaker.endswith("="):
                    clock.after(10, 240)
                ds.post(room, a if speaker == "A" else b, line.format_map(slots), clock.now)
                posted += 1
    assert not specials and not tie_days, "the busy room ran out of room for its special messages"
    ds.messages[first_message]["int_id"] = 1003


def weekly_handover(ds: Dataset, rng: random.Random, clock: Clock, room: Room, ana: User, kenji: User,
                    day: date, day_index: int) -> int:
    """Monday's handover: a root with 3-4 thread replies; in odd weeks the summary is also sent to the room."""
    week = day.isocalendar().week
    lead, other = (ana, kenji) if week % 2 else (kenji, ana)
    root = ds.post(room, lead, f"Weekly handover, week {week}: open escalations in the thread.", clock.now)
    count = 1
    for line in rng.sample(HANDOVER_LINES, rng.randint(2, 3)):
        clock.after(30, 180)
        ds.post(room, lead, line.format_map(support_slots(rng, clock.now, day_index)), clock.now, parent=root)
        count += 1
    clock.after(300, 1200)
    slots = support_slots(rng, clock.now, day_index)
    ds.post(room, other, f"Thanks. Summary: {slots['open']} open, {rng.randint(1, 4)} escalated, nothing urgent.",
            clock.now, parent=root, show_in_room=week % 2 == 1)
    return count + 1


def support_slots(rng: random.Random, now: datetime, day_index: int) -> dict[str, Any]:
    """Values for one dialogue's placeholders; ticket numbers grow with the date."""
    site, contact, prefix = rng.choice(SITES)
    newest = 4480 + day_index * 12  # reaches NW-4900 around the incident on 2 March
    ticket, ticket2 = rng.sample(range(newest - 60, newest + 1), 2)
    hour = rng.randint(9, 15)
    soon = now + timedelta(minutes=rng.randint(30, 120))
    open_now = rng.randint(14, 31)
    return {
        "site": site,
        "contact": contact,
        "unit": f"{prefix}{rng.randint(1, 30):02d}",
        "ticket": f"NW-{ticket}",
        "ticket2": f"NW-{ticket2}",
        "fw": rng.choice(FIRMWARE),
        "part": rng.choice(PARTS),
        "stock": rng.randint(2, 9),
        "pct": rng.randint(61, 78),
        "months": rng.randint(4, 22),
        "n": rng.randint(2, 9),
        "clock1": f"{rng.randint(6, 9):02d}:{rng.randint(0, 59):02d}",
        "clock2": f"{rng.randint(10, 11):02d}:{rng.randint(0, 59):02d}",
        "dock": rng.randint(1, 12),
        "ch": rng.choice([1, 6, 11]),
        "open": open_now,
        "open_prev": open_now + rng.randint(1, 5),
        "closed": rng.randint(3, 12),
        "age": rng.randint(6, 19),
        "aisle": rng.randint(1, 20),
        "zone": rng.choice("ABCDE"),
        "day": rng.choice(WEEKDAYS),
        "day2": rng.choice(WEEKDAYS),
        "hour": f"{hour:02d}",
        "hour2": f"{hour + rng.randint(1, 3):02d}",
        "soon": f"{soon:%H}:{'30' if soon.minute >= 30 else '00'}",
        "night": rng.choice(["22:00", "23:30", "01:00", "02:00", "03:30"]),
        "weeks": rng.randint(2, 6),
        "secs": rng.randint(8, 25),
        "mb": rng.randint(3, 140),
    }


# --------------------------------------------------------------------------------------------
# Quip documents
# --------------------------------------------------------------------------------------------

#: Sections of the Q3 Launch Plan document.
S = {name: section_id(f"launch-plan/{name}") for name in (
    "title", "milestones", "launch_date", "hw_ready", "risk_harness", "bom", "checklist_h", "checklist",
    "check_training", "check_docs", "check_firmware", "risks", "risk_wifi",
)}


def diff(rtml: str, diff_class: str, section: str, style: str = "text_plain_style", list_id: str | None = None
         ) -> dict[str, str]:
    d = {"rtml": rtml, "diff_class": diff_class, "section_id": S[section], "style": style}
    if list_id is not None:
        d["list"] = list_id
    return d


def build_launch_plan(ds: Dataset, u: dict[str, User], room: Room) -> None:
    clock = Clock(random.Random("launch-plan"))
    post = ds.post
    priya, chloe, ben = u["priya"], u["chloe"], u["ben"]

    post(room, priya, "", clock.at("2026-02-10 08:52"), kind="edit", diff_groups=[{"diffs": [
        diff(f"<h1 id='{S['title']}'><ins>Q3 Launch Plan</ins></h1>", "insert_completely", "title", "text_h1_style"),
        diff(f"<h2 id='{S['milestones']}'><ins>Milestones</ins></h2>", "insert_completely", "milestones",
             "text_h2_style"),
        diff(f"<p id='{S['launch_date']}'><ins>Target launch: July 6</ins></p>", "insert_completely", "launch_date"),
        diff(f"<p id='{S['hw_ready']}'><ins>Hardware readiness: all Q3 units ship with the rev B harness.</ins></p>",
             "insert_completely", "hw_ready"),
        diff(f"<p id='{S['risk_harness']}'><ins>Open question: rev B harness chafing at the mast under vibration."
             f"</ins></p>", "insert_completely", "risk_harness"),
    ]}])
    post(room, priya, "First draft is up. Dates are tentative until the harness decision lands.",
         clock.after(120, 600))

    hw_note = {"id": quip_id("annotation/launch-plan/hw-ready"), "section_ids": [S["hw_ready"], S["risk_harness"]]}
    post(room, chloe, "This assumes rev B. If we go rev C, add one week for the depot retrofit.",
         clock.at("2026-02-10 14:26"), annotation=hw_note)
    at = clock.after(1800, 5400)
    post(room, ben, "Agree, one week is enough if the crimp tools arrive by March 20.", at, annotation=hw_note,
         edited=(clock.later(at, 60, 300), ben))

    post(room, chloe, "", clock.at("2026-02-18 09:40"), kind="edit", diff_groups=[
        {"diffs": [
            diff(f"<p id='{S['hw_ready']}'>Hardware readiness: all Q3 units ship with the <del>rev B</del>"
                 f"<ins>rev C</ins> harness.</p>", "track_changes", "hw_ready"),
            diff(f"<p id='{S['risk_harness']}'><del>Open question: rev B harness chafing at the mast under "
                 f"vibration.</del></p>", "delete_only", "risk_harness"),
        ]},
        {"diffs": [
            diff(f"<p id='{S['launch_date']}'>Target launch: <del>July 6</del><ins>July 13</ins></p>",
                 "track_changes", "launch_date"),
            diff(f"<p id='{S['hw_ready']}'>Hardware readiness: all Q3 units ship with the rev C harness.<ins> "
                 f"Existing units are retrofitted at the depot.</ins></p>", "insert_only", "hw_ready"),
        ]},
    ])
    post(room, priya, "@Chloé Martin can you confirm July 13 works for the factory?",
         clock.after(1800, 3600), mentions=[chloe])
    post(room, chloe, "Confirmed with the factory, July 13 it is.", clock.after(3600, 7200),
         reactions={":+1:": [priya, ben], ":heart:": [priya]})
    post(room, ben, "Updated BOM with the rev C harness (+€3.40 per unit).", clock.at("2026-02-19 11:05"),
         annotation={"id": quip_id("annotation/launch-plan/bom"), "section_ids": [S["bom"]]},
         attachments=[{"id": quip_blob_hash("blob/q3-bom-rev-c"), "name": "q3-bom-rev-c.xlsx",
                       "mime_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       "size": 48213}])
    at = clock.after(300, 900)
    post(room, ben, "Ignore the first version, wrong tab.", at, status="deleted", updated_at=clock.later(at, 60, 600))

    checklist = S["checklist"]
    post(room, priya, "", clock.at("2026-02-25 16:12"), kind="edit", diff_groups=[{"diffs": [
        diff(f"<h2 id='{S['checklist_h']}'><ins>Launch checklist</ins></h2>", "insert_completely", "checklist_h",
             "text_h2_style"),
        diff(f"<ul id='{checklist}'><li id='{S['check_training']}'><ins>Field techs trained on the rev C "
             f"retrofit (3 of 8)</ins></li></ul>", "insert_completely", "check_training", list_id=checklist),
        diff(f"<ul id='{checklist}'><li id='{S['check_docs']}'><ins>Service manual updated for motor controller "
             f"v2</ins></li></ul>", "insert_completely", "check_docs", list_id=checklist),
        diff(f"<p id='{S['milestones']}'>Milestones: hardware <del>in progress</del><ins>done (Feb 25)</ins></p>",
             "track_changes", "milestones"),
    ]}])
    post(room, ben, "Motor controller v2 moved to Done", clock.after(600, 1800),
         extra={"quip": {"parts": [["system", "<p><b>Jira</b>: LAUNCH-88 <i>Motor controller v2 bring-up</i> "
                                              "moved from In Review to <b>Done</b></p>"]]}})

    post(room, ben, "", clock.at("2026-03-03 16:48"), kind="edit", diff_groups=[{"diffs": [
        diff(f"<ul id='{checklist}'><li id='{S['check_training']}'>Field techs trained on the rev C retrofit "
             f"<del>(3 of 8)</del><ins>(8 of 8)</ins></li></ul>", "track_changes", "check_training",
             list_id=checklist),
        diff(f"<ul id='{checklist}'><li id='{S['check_firmware']}'><ins>Firmware 2.4.2 (band-aware roaming) on "
             f"all pilot fleets</ins></li></ul>", "insert_completely", "check_firmware", list_id=checklist),
        diff(f"<h2 id='{S['risks']}'><ins>Risks</ins></h2>", "insert_completely", "risks", "text_h2_style"),
        diff(f"<p id='{S['risk_wifi']}'><ins>Customer Wi-Fi changes (band steering) can strand units on weak "
             f"5 GHz APs; see NW-4907.</ins></p>", "insert_completely", "risk_wifi"),
    ]}])
    post(room, priya, "Thanks Ben. Added the Acme incident as a risk, Ana's write-up is linked in NW-4907.",
         clock.after(900, 2700),
         annotation={"id": quip_id("annotation/launch-plan/risk-wifi"), "section_ids": [S["risk_wifi"]]})
    post(room, priya, "Plan is locked for the exec review on Monday. Thanks all!", clock.at("2026-03-05 17:02"),
         reactions={":tada:": [chloe, ben]})


def build_acme_readiness(ds: Dataset, u: dict[str, User], room: Room) -> None:
    clock = Clock(random.Random("acme-readiness"))
    dana, priya = u["dana"], u["priya"]
    sec = {name: section_id(f"acme-readiness/{name}") for name in ("title", "network", "docks", "network_note")}
    ds.post(room, dana, "", clock.at("2026-02-11 15:31"), kind="edit", diff_groups=[{"diffs": [
        {"rtml": f"<h1 id='{sec['title']}'><ins>Reno DC Pilot: Site Readiness</ins></h1>",
         "diff_class": "insert_completely", "section_id": sec["title"], "style": "text_h1_style"},
        {"rtml": f"<p id='{sec['network']}'><ins>Network: robot SSID on the warehouse APs, aisles 1-20.</ins></p>",
         "diff_class": "insert_completely", "section_id": sec["network"], "style": "text_plain_style"},
        {"rtml": f"<p id='{sec['docks']}'><ins>Docks: 6 charging docks in zone B.</ins></p>",
         "diff_class": "insert_completely", "section_id": sec["docks"], "style": "text_plain_style"},
    ]}])
    ds.post(room, priya, "Can we get the AP channel plan for aisles 12-16 before go-live?",
            clock.at("2026-02-12 09:18"),
            annotation={"id": quip_id("annotation/acme-readiness/network"), "section_ids": [sec["network"]]})
    ds.post(room, dana, "Attached. IT says nothing changes on the network before March.", clock.after(3600, 14400),
            attachments=[{"id": quip_blob_hash("blob/acme-ap-plan"), "name": "reno-ap-channel-plan.pdf",
                          "mime_type": "application/pdf", "size": 702114}])
    ds.post(room, dana, "", clock.at("2026-03-03 18:10"), kind="edit", diff_groups=[{"diffs": [
        {"rtml": f"<p id='{sec['network_note']}'><ins>Band steering stays off on the robot SSID until Northwind "
                 f"firmware 2.4.2 is deployed.</ins></p>",
         "diff_class": "insert_completely", "section_id": sec["network_note"], "style": "text_plain_style"},
    ]}])
    ds.post(room, dana, "Added the band steering note after Monday's incident.", clock.after(60, 300))


# --------------------------------------------------------------------------------------------


def build() -> Dataset:
    ds = Dataset()
    users = make_users(ds)
    make_tokens(ds)
    rooms = make_rooms(ds, users)
    build_general(ds, users, rooms.general)
    build_hardware_group(ds, users, rooms.hardware)
    build_small_dms(ds, users, rooms)
    build_support_dm(ds, users, rooms.support)
    build_launch_plan(ds, users, rooms.launch_plan)
    build_acme_readiness(ds, users, rooms.acme_readiness)
    return ds


def main() -> None:
    ds = build()
    ds.write(OUT_DIR)
    by_room: dict[str, int] = {}
    for m in ds.messages:
        by_room[m["room_id"]] = by_room.get(m["room_id"], 0) + 1
    print(f"wrote {len(ds.users)} users, {len(ds.rooms)} rooms, {len(ds.messages)} messages, "
          f"{len(ds.tokens)} tokens to {OUT_DIR}")
    for room in ds.rooms:
        print(f"  {room.kind:8} {room.id:34} {by_room.get(room.id, 0):5} messages  {room.name or room.key}")


if __name__ == "__main__":
    main()
