"""The explorer's data: what each of its charts shows, computed with the library.

Plain NumPy out, for the pure builders in `ganloss_viz.figures` and for anyone who
wants the same pictures from Python: `densities` (P and Q on one grid that frames
both), `integrands` (where a divergence comes from, pointwise), `landscape` (D and
its gradient over two parameters) and `fitframes` (a direct fit as animation frames).
No Streamlit here; the pages in `ganloss_viz.ui` only lay these out.
"""
