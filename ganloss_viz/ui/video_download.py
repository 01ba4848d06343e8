"""A GIF or MP4 of a page's animation, made when asked, then offered as a download.

Drawing the frames takes a browser a fraction of a second each (`ganloss_viz.video`), too
slow to do on every rerun, so the file is made only when the button is pressed, with a
progress bar, and kept in the session (`st.session_state`, per user) until the
animation's inputs (`token`) change.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import plotly.graph_objects as go
import streamlit as st

from ganloss_viz import video

MIME = {"gif": "image/gif", "mp4": "video/mp4"}


def video_download(name: str, figure: Callable[[], go.Figure], token: Hashable) -> None:
    """An expander "GIF or MP4 for slides": format, size, a button that makes the file
    (progress bar) and a download button for it. name: unique on the page, also the file
    name's stem; figure: builds the animation (called only when the button is pressed);
    token: the animation's inputs (a made file is offered while they are unchanged)."""
    key = f"video.{name}"
    with st.expander("GIF or MP4 for slides", icon=":material/movie:"):
        c_kind, c_size = st.columns([1, 1.2], vertical_alignment="bottom")
        kind = c_kind.radio("Format", ("mp4", "gif"), horizontal=True, key=f"{key}.kind",
                            format_func=str.upper,
                            help="MP4 (H.264) is small and plays in every slide tool; "
                                 "a GIF loops without a player but is larger.")
        size = c_size.selectbox("Size", list(video.SIZES), key=f"{key}.size",
                                format_func=lambda s: s.replace("x", " × "))
        if st.button(f"Make {kind.upper()}", key=f"{key}.make", icon=":material/movie:"):
            bar = st.progress(0.0, text="Drawing the frames…")

            def progress(done: int, total: int) -> None:
                text = (f"Drawing frame {done} of {total - 1}…" if done < total - 1
                        else f"Encoding the {kind.upper()}…" if done < total else "Done")
                bar.progress(min(done / total, 1.0), text=text)

            try:
                data = video.animation_bytes(figure(), kind, size, progress=progress)
            except video.VideoError as exc:
                bar.empty()
                st.error(str(exc), icon=":material/error:")
                return
            except Exception as exc:   # the browser or ffmpeg failed: say so, keep the page
                bar.empty()
                st.error(f"The {kind.upper()} could not be made: {type(exc).__name__}: "
                         f"{str(exc)[:300]}", icon=":material/error:")
                return
            bar.empty()
            st.session_state[key] = (token, kind, size, data)
        made = st.session_state.get(key)
        if made is not None and made[0] == token:
            _, made_kind, made_size, data = made
            st.download_button(
                f"Download {made_kind.upper()} ({made_size.replace('x', ' × ')}, "
                f"{len(data) / 1e6:.1f} MB)", data,
                file_name=f"ganloss-viz-{name}-{made_size}.{made_kind}",
                mime=MIME[made_kind], key=f"{key}.download", icon=":material/download:")


__all__ = ["video_download"]
