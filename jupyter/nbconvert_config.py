# nbconvert settings for running the tslab notebooks headless (scripts/test-notebooks.sh).
#
# nbconvert's ExecutePreprocessor takes a cell's execution_count only from iopub messages, which
# tslab does not send; tslab does put the count in its execute_reply. Copy it from there so executed
# notebooks show In [1], In [2], ... as the kernel numbered them.


def _count_from_reply(cell, cell_index, execute_reply, **kwargs):
    count = execute_reply.get("content", {}).get("execution_count")
    if count is not None:
        cell["execution_count"] = count


c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.ExecutePreprocessor.on_cell_executed = _count_from_reply
c.ExecutePreprocessor.kernel_name = "tslab"
c.ExecutePreprocessor.timeout = 1800
