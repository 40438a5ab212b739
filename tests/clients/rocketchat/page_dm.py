"""Pages one direct room with the real `rocketchat_API` client (PyPI), thread replies included.

Usage: page_dm.py <server_url> <user_id> <auth_token> <dm_room_id> <count>

Prints {"dm": [ids...]}: every message `dm_history` yielded, in the order it yielded them
(the client asks page after page by offset until a page is short). Exits non-zero (with the
reason on stderr) when the client raises.
"""

import json
import sys

from rocketchat_API.rocketchat import RocketChat


def main():
    server_url, user_id, token, room_id, count = sys.argv[1:6]
    rc = RocketChat(user_id=user_id, auth_token=token, server_url=server_url, timeout=30)
    pages = rc.dm_history(room_id, count=int(count), showThreadMessages="true")
    json.dump({"dm": [m["_id"] for m in pages]}, sys.stdout)


if __name__ == "__main__":
    main()
