"""Serving the page: Panel's server on this machine, one StrategyPage per browser tab."""
from __future__ import annotations

import socket
import threading

from app.layout import StrategyPage


def free_port(address: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def ignore_closed_sockets(loop, context) -> None:
    """A browser tab closed while the server was sending it an update: tornado reports an
    unretrieved WebSocketClosedError from its write task. Nothing is wrong; say nothing.
    Anything else goes to asyncio's default handler."""
    from tornado.iostream import StreamClosedError
    from tornado.websocket import WebSocketClosedError

    if isinstance(context.get("exception"), (WebSocketClosedError, StreamClosedError)):
        return
    loop.default_exception_handler(context)


def serve(engine, args, say=print) -> int:
    """Serve the page until Ctrl+C (or SIGTERM)."""
    import signal

    import panel as pn

    pn.extension(notifications=False)
    port = args.port or free_port(args.address)
    origins = [f"{args.address}:{port}", f"[{args.address}]:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]

    def app():
        page = StrategyPage(engine, args.years, args.place, args.scenario_dir, args.runs_dir)
        cb = pn.state.add_periodic_callback(page.poll, period=50)
        pn.state.onload(page.prime)
        pn.state.on_session_destroyed(lambda ctx: (cb.stop(), page.close()))
        return page.layout

    server = pn.serve({"/": app}, port=port, address=args.address, websocket_origin=origins, show=False,
                      start=False, title="placesim: strategy session", verbose=False)
    host = f"[{args.address}]" if ":" in args.address else args.address
    url = f"http://{host}:{port}/"
    say(f"placesim app: serving {url} (Ctrl+C to stop)")
    if not args.no_show:
        import webbrowser

        threading.Timer(0.5, lambda: webbrowser.open(url)).start()
    loop = server.io_loop
    signal.signal(signal.SIGTERM, lambda *a: loop.add_callback_from_signal(loop.stop))
    loop.asyncio_loop.set_exception_handler(ignore_closed_sockets)
    server.start()
    try:
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        say("placesim app: stopped")
    return 0
