"""A visitor's Streamlit session driven over the app's websocket, without a browser.

A load test with real browsers on the server's own 2 cores measures the browsers as much
as the server (ten Chromium pages drawing Plotly charts); a hosted server's visitors draw
on their own machines. `WsSession` speaks Streamlit's protocol as its frontend does: it
opens `/_stcore/stream`, asks for a page (`BackMsg.rerun_script` with the page's URL
path and query), reads the `ForwardMsg`s (the page's elements by their delta path, the
end of each script run), presses buttons and sets number inputs by their widget keys
(a `WidgetState` with the trigger or the value; the session keeps the other widgets'
values), and reruns the page's fragments at the interval the server asks
(`ForwardMsg.auto_rerun`), as a browser tab does while a run is live. It draws nothing.

Used by `load_clients.py`. Streamlit's protocol is internal; this follows the 1.67 line
(`requirements.txt`).
"""

from __future__ import annotations

import asyncio
import time

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

TEXT_FIELDS = {"markdown": "body", "alert": "body", "heading": "body", "text": "body",
               "exception": "message", "metric": "body"}


class WsSession:
    """One session (one browser tab's worth) on the server at `base` (http://host:port)."""

    def __init__(self, base: str) -> None:
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = None
        self.pages: dict[str, str] = {}         # URL path -> page script hash
        self.page_hash = ""
        self.query = ""
        self.widgets: dict[str, str] = {}       # widget key -> widget id
        self.texts: dict[tuple, str] = {}       # delta path -> the element's text
        self.metrics: dict[tuple, str] = {}     # delta path -> a metric's value
        self.pages_finished = 0                 # whole-page script runs ended
        self.finished_page = ""                 # the page whose run ended last
        self.errors: list[str] = []             # exceptions and error boxes ever shown
        self.changed = asyncio.Event()          # set on every message
        self._ticks: dict[str, asyncio.Task] = {}
        self._drawn: set[tuple] = set()         # delta paths drawn since the last page run
        self._reader: asyncio.Task | None = None

    async def open(self) -> None:
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"],
                                           max_size=None, open_timeout=60)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        """Close the tab: the server sees its session's browser go."""
        for task in self._ticks.values():
            task.cancel()
        self._ticks.clear()
        if self._reader is not None:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    # ----------------------------------------------------------------- driving the page

    async def goto(self, path: str, query: str = "", timeout: float = 120) -> None:
        """Open the page at URL path `path` (e.g. "train") with `query`, and wait for its
        script run to end."""
        for task in self._ticks.values():
            task.cancel()
        self._ticks.clear()
        target = self.page_hash = self.pages.get(path, "")
        self.query = query
        self.texts.clear()
        self.metrics.clear()
        done = self.pages_finished
        await self._rerun(page_name=path)
        # a rerun of the page left behind (a fragment's st.rerun) may still end first
        await self.wait(lambda: self.pages_finished > done and
                        self.page_hash == (target or self.page_hash) and
                        self.finished_page == self.page_hash, timeout)

    async def press(self, key: str) -> None:
        """Press the button with widget key `key` (its script run is not awaited)."""
        await self._rerun(widget=(key, "trigger_value", True))

    async def set_number(self, key: str, value: float) -> None:
        """Set the number input with widget key `key` to `value` (as Enter does)."""
        await self._rerun(widget=(key, "double_value", float(value)))

    def shows(self, text: str) -> str | None:
        """The first element text on the page that contains `text`, else None."""
        return next((t for t in self.texts.values() if text in t), None)

    async def wait(self, ready, timeout: float) -> None:
        """Wait until `ready()` is true (checked after every message)."""
        deadline = time.monotonic() + timeout
        while not ready():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the page did not show what was waited for")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
            except TimeoutError:
                pass

    async def wait_text(self, *texts: str, timeout: float = 120) -> str:
        """Wait until one of `texts` is shown; returns the element's text."""
        await self.wait(lambda: any(self.shows(t) for t in texts), timeout)
        return next(self.shows(t) for t in texts if self.shows(t))

    def has_widget(self, key: str) -> bool:
        return key in self.widgets

    # ----------------------------------------------------------------- the protocol

    async def _rerun(self, page_name: str = "", widget=None, fragment_id: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        if page_name:
            state.page_name = page_name
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        if widget is not None:
            key, field, value = widget
            w = state.widget_states.widgets.add()
            w.id = self.widgets[key]
            setattr(w, field, value)
        await self.ws.send(msg.SerializeToString())

    async def _tick(self, fragment_id: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._rerun(fragment_id=fragment_id)

    async def _read(self) -> None:
        async for data in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session" and not msg.metadata.run.fragment_ids:
                # a whole page starts: its fragments register their reruns again
                for task in self._ticks.values():
                    task.cancel()
                self._ticks.clear()
            elif kind == "navigation":            # st.navigation: the pages and this one
                nav = msg.navigation
                self.pages = {p.url_pathname: p.page_script_hash for p in nav.app_pages}
                self.page_hash = nav.page_script_hash
            elif kind == "page_info_changed":   # the page wrote its state to the URL
                self.query = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(tuple(msg.metadata.delta_path), msg.delta.new_element)
            elif kind == "auto_rerun":
                fid = msg.auto_rerun.fragment_id
                if fid in self._ticks:
                    self._ticks[fid].cancel()
                self._ticks[fid] = asyncio.create_task(self._tick(fid, msg.auto_rerun.interval))
            elif kind == "stop_auto_rerun":         # fragments the page no longer has
                for fid in msg.stop_auto_rerun.fragment_ids:
                    task = self._ticks.pop(fid, None)
                    if task is not None:
                        task.cancel()
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    self.pages_finished += 1
                    self.finished_page = self.page_hash
                    # a whole page ran: what it did not draw again is gone from the page
                    for stale in set(self.texts) - self._drawn:
                        self.texts.pop(stale)
                        self.metrics.pop(stale, None)
                    self._drawn = set()
            self.changed.set()

    def _element(self, path: tuple, element) -> None:
        self._drawn.add(path)
        kind = element.WhichOneof("type")
        inner = getattr(element, kind)
        wid = getattr(inner, "id", "")
        if wid.startswith("$$ID-") and wid.count("-") >= 2:
            self.widgets[wid.split("-", 2)[2]] = wid
        if kind == "exception" or (kind == "alert" and inner.format == Alert.ERROR):
            self.errors.append(inner.message if kind == "exception" else inner.body)
        field = TEXT_FIELDS.get(kind)
        if field is not None:
            text = getattr(inner, field)
            self.texts[path] = f"{inner.label} {text}" if kind == "metric" else text
            if kind == "metric":
                self.metrics[path] = text
        elif kind == "button":
            self.texts[path] = inner.label
        else:
            self.texts.pop(path, None)


__all__ = ["WsSession"]
