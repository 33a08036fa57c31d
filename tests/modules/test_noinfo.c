/* A shared object that is not a Carillon module (no descriptor). */
int test_noinfo_symbol(void);

int
test_noinfo_symbol(void)
{
    return 42;
}
