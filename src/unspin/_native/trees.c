/* The boosted trees' walk (unspin.train.classifier.Trees._raw) in C: for each row and each
 * tree of a complete-binary-tree layout, the leaf the row reaches.  The same comparisons as
 * the numpy walk, in the same layout; the leaf values are summed by the caller in numpy, so
 * the result is the same to the bit.  Arrays come through the buffer protocol (no numpy
 * headers at build time); the GIL is released while walking. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

static int need(Py_buffer *b, Py_ssize_t items, Py_ssize_t size, const char *name) {
    if (b->len != items * size) {
        PyErr_Format(PyExc_ValueError, "%s holds %zd bytes, expected %zd", name, b->len, items * size);
        return 0;
    }
    return 1;
}

static PyObject *walk(PyObject *self, PyObject *args) {
    Py_buffer xb, fb, tb, mb, ob;
    Py_ssize_t n, k, trees, depth;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*nnnn", &xb, &fb, &tb, &mb, &ob, &n, &k, &trees, &depth))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t inner = ((Py_ssize_t)1 << depth) - 1, slots = inner > 0 ? inner : 1;
    if (n < 0 || k < 1 || trees < 0 || depth < 0 || depth > 30) {
        PyErr_SetString(PyExc_ValueError, "walk: bad shape");
        goto done;
    }
    if (!need(&xb, n * k, sizeof(double), "X") || !need(&fb, trees * slots, sizeof(int64_t), "feature") ||
        !need(&tb, trees * slots, sizeof(double), "threshold") || !need(&mb, trees * slots, 1, "missing_right") ||
        !need(&ob, n * trees, sizeof(int64_t), "out"))
        goto done;
    const double *X = xb.buf, *thr = tb.buf;
    const int64_t *feat = fb.buf;
    const unsigned char *miss = mb.buf;
    int64_t *out = ob.buf;
    for (Py_ssize_t t = 0; t < trees * slots; t++) {
        if (feat[t] < 0 || feat[t] >= k) {
            PyErr_SetString(PyExc_ValueError, "walk: a tree splits on a feature out of range");
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        const double *row = X + i * k;
        for (Py_ssize_t t = 0; t < trees; t++) {
            Py_ssize_t base = t * inner - 1, p = 1;
            for (Py_ssize_t d = 0; d < depth; d++) {
                Py_ssize_t at = base + p;
                double x = row[feat[at]];
                int right = isnan(x) ? miss[at] != 0 : x > thr[at];
                p = 2 * p + right;
            }
            out[i * trees + t] = (int64_t)(p - 1 + t * ((Py_ssize_t)1 << depth) - inner);
        }
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&xb);
    PyBuffer_Release(&fb);
    PyBuffer_Release(&tb);
    PyBuffer_Release(&mb);
    PyBuffer_Release(&ob);
    return result;
}

static PyMethodDef methods[] = {
    {"walk", walk, METH_VARARGS,
     "walk(X, feature, threshold, missing_right, out, n, k, trees, depth): each row's leaf index per tree into out"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_trees", "The boosted trees' walk in C.", -1, methods};

PyMODINIT_FUNC PyInit__trees(void) { return PyModule_Create(&module); }
