/*
 * no_entry.c - a test "extension" without the entry symbol.
 */
int no_entry_something(void);

int no_entry_something(void)
{
	return 42;
}
