"""Drives threadgate with the real `rocketchat_API` client (PyPI) and prints what it saw.

Usage: collect.py <server_url> <user_id> <auth_token> <dm_room_id> <tmid>

Prints one JSON object:
  {"dm": [ids...], "thread": [ids...],
   "errors": {"unknown_thread": {...}, "unknown_room": {...}}}
where each error is {"exception", "status", "error", "errorType"} of what the client raised.
Exits non-zero (with the reason on stderr) when the client does not behave as expected.
"""

import json
import sys

from rocketchat_API.APIExceptions.RocketExceptions import RocketApiException
from rocketchat_API.rocketchat import RocketChat


def raised(call):
    try:
        result = call()
        # Paginated calls return a generator; drain it so that every request is made.
        if not isinstance(result, dict):
            list(result)
    except RocketApiException as e:
        return {
            "exception": type(e).__name__,
            "status": e.status_code,
            "error": e.error,
            "errorType": e.error_type,
        }
    except Exception as e:  # noqa: BLE001 - reported to the Rust test as a failure
        return {"exception": type(e).__name__, "detail": str(e)}
    return {"exception": None}


def main():
    server_url, user_id, token, room_id, tmid = sys.argv[1:6]
    rc = RocketChat(user_id=user_id, auth_token=token, server_url=server_url, timeout=30)
    dm = [m["_id"] for m in rc.dm_history(room_id, count=100)]
    thread = [m["_id"] for m in rc.chat_get_thread_messages(tmid, count=40)]
    errors = {
        "unknown_thread": raised(lambda: rc.chat_get_thread_messages("doesNotExist12345")),
        "unknown_room": raised(lambda: rc.dm_history("doesNotExist12345")),
    }
    json.dump({"dm": dm, "thread": thread, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main()
