/* A shared library with thread-local storage, for dyn_libs.c. */
__thread int lib_tls = 100;

int lib_tls_bump(void) {
    return ++lib_tls;
}

int lib_add(int a, int b) {
    return a + b;
}
