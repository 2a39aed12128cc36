/* Chapter 8's poem module (poem.h): poem_append keeps to its maximum at every boundary — exactly max
 * is fine, one byte more is -EFBIG and changes nothing, a length that would overflow is refused — and
 * never allocates more room than max allows; poem_copy copies every byte (NUL included) into a poem
 * of its own. */
#include "check_main.h"
#include "poem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *pattern(size_t len) {
    char *bytes = malloc(len > 0 ? len : 1);
    ck_assert_ptr_nonnull(bytes);
    for (size_t i = 0; i < len; i++)
        bytes[i] = (char)(i * 7 + (i >> 8));
    return bytes;
}

START_TEST(a_zeroed_poem_is_empty_and_takes_nothing_for_nothing) {
    struct poem poem = {0};
    ck_assert_int_eq(poem_append(&poem, NULL, 0, 0), 0);
    ck_assert_uint_eq(poem.len, 0);
    ck_assert_int_eq(poem_append(&poem, "x", 1, 0), -EFBIG); /* max 0: only the empty poem */
    ck_assert_uint_eq(poem.len, 0);
    ck_assert_ptr_null(poem.bytes);
}
END_TEST

START_TEST(exactly_max_bytes_fit_and_one_more_is_refused_unchanged) {
    const size_t max = 10000;
    char *bytes = pattern(max + 1);
    struct poem poem = {0};
    ck_assert_int_eq(poem_append(&poem, bytes, max, max), 0);
    ck_assert_uint_eq(poem.len, max);
    ck_assert_int_eq(poem_append(&poem, bytes + max, 1, max), -EFBIG);
    ck_assert_uint_eq(poem.len, max); /* nothing appended */
    ck_assert(memcmp(poem.bytes, bytes, max) == 0);
    ck_assert_int_eq(poem_append(&poem, bytes, 0, max), 0); /* nothing more is still fine */
    free(poem.bytes);

    struct poem over = {0};
    ck_assert_int_eq(poem_append(&over, bytes, max + 1, max), -EFBIG); /* at once */
    ck_assert_uint_eq(over.len, 0);
    free(over.bytes);
    free(bytes);
}
END_TEST

/* Byte by byte and in uneven pieces, up to the limit: every boundary of the buffer's growth, and the
 * refusal exactly at max. The room never goes past max. */
START_TEST(pieces_of_every_size_fill_up_to_max_and_no_further) {
    const size_t max = 3 * 4096 + 5;
    char *bytes = pattern(max + 64);
    for (size_t piece = 1; piece <= 64; piece += 9) {
        struct poem poem = {0};
        size_t at = 0;
        while (at + piece <= max) {
            ck_assert_int_eq(poem_append(&poem, bytes + at, piece, max), 0);
            at += piece;
            ck_assert_uint_le(poem.capacity, max);
            ck_assert_uint_ge(poem.capacity, poem.len);
        }
        ck_assert_int_eq(poem_append(&poem, bytes + at, max - at + 1, max), -EFBIG);
        ck_assert_int_eq(poem_append(&poem, bytes + at, max - at, max), 0);
        ck_assert_uint_eq(poem.len, max);
        ck_assert_uint_le(poem.capacity, max);
        ck_assert(memcmp(poem.bytes, bytes, max) == 0);
        ck_assert_int_eq(poem_append(&poem, bytes, 1, max), -EFBIG);
        free(poem.bytes);
    }
    free(bytes);
}
END_TEST

START_TEST(a_small_max_never_gets_a_bigger_buffer) {
    struct poem poem = {0};
    ck_assert_int_eq(poem_append(&poem, "abc", 3, 5), 0);
    ck_assert_uint_le(poem.capacity, 5); /* not the usual 4096 */
    ck_assert_int_eq(poem_append(&poem, "de", 2, 5), 0);
    ck_assert_uint_eq(poem.len, 5);
    ck_assert(memcmp(poem.bytes, "abcde", 5) == 0);
    free(poem.bytes);
}
END_TEST

/* A length that would wrap around size_t is refused, not wrapped into a small one. */
START_TEST(a_length_that_would_overflow_is_refused) {
    struct poem poem = {0};
    ck_assert_int_eq(poem_append(&poem, "abc", 3, SIZE_MAX), 0);
    ck_assert_int_eq(poem_append(&poem, "abc", SIZE_MAX, SIZE_MAX), -EFBIG);
    ck_assert_int_eq(poem_append(&poem, "abc", SIZE_MAX - 1, SIZE_MAX), -EFBIG);
    ck_assert_uint_eq(poem.len, 3);
    /* A poem already past a smaller max (the caller lowered it) takes nothing more. */
    ck_assert_int_eq(poem_append(&poem, "d", 1, 2), -EFBIG);
    ck_assert_int_eq(poem_append(&poem, "", 0, 2), -EFBIG);
    ck_assert_uint_eq(poem.len, 3);
    free(poem.bytes);
}
END_TEST

START_TEST(a_copy_has_every_byte_and_is_its_own) {
    struct poem poem = {0};
    static const char bytes[] = "line one\0line two\n\xff";
    ck_assert_int_eq(poem_append(&poem, bytes, sizeof bytes, 1000), 0);
    struct poem *copy = poem_copy(&poem);
    ck_assert_ptr_nonnull(copy);
    ck_assert_uint_eq(copy->len, sizeof bytes);
    ck_assert_uint_eq(copy->capacity, copy->len);
    ck_assert(memcmp(copy->bytes, bytes, sizeof bytes) == 0);
    ck_assert_ptr_ne(copy->bytes, poem.bytes);
    poem.bytes[0] = 'X';
    ck_assert_int_eq(copy->bytes[0], 'l');
    ck_assert_int_eq(poem_append(copy, "more", 4, 1000), 0); /* a copy grows like any poem */
    ck_assert_uint_eq(copy->len, sizeof bytes + 4);
    free(poem.bytes);
    poem_free(copy);

    struct poem empty = {0};
    struct poem *copy_of_empty = poem_copy(&empty);
    ck_assert_ptr_nonnull(copy_of_empty);
    ck_assert_uint_eq(copy_of_empty->len, 0);
    poem_free(copy_of_empty);
    poem_free(NULL);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("poem");
    TCase *tc = tcase_create("poem");
    tcase_add_test(tc, a_zeroed_poem_is_empty_and_takes_nothing_for_nothing);
    tcase_add_test(tc, exactly_max_bytes_fit_and_one_more_is_refused_unchanged);
    tcase_add_test(tc, pieces_of_every_size_fill_up_to_max_and_no_further);
    tcase_add_test(tc, a_small_max_never_gets_a_bigger_buffer);
    tcase_add_test(tc, a_length_that_would_overflow_is_refused);
    tcase_add_test(tc, a_copy_has_every_byte_and_is_its_own);
    suite_add_tcase(suite, tc);
    return run_suite_as_tap(suite);
}
