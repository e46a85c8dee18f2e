"""unspin inside other data tools: :mod:`unspin.integrations.datatrove` (a pipeline filter).

Hugging Face ``datasets`` needs no adapter: map :func:`unspin.detect_batch` with
:func:`unspin.to_columns` (see :mod:`unspin.batch`).
"""
