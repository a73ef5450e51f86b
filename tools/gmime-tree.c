/* tools/gmime-tree.c: the MIME tree GMime 3 reads from a message on stdin,
 * printed as Courier's `reformime -i` prints its own ("section: 1.2.1",
 * "content-type: text/plain"), for tools/structure-vs-reformime.py --reader.
 *
 *   cc -O1 -o gmime-tree tools/gmime-tree.c $(pkg-config --cflags --libs gmime-3.0)
 */
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>

static void walk(GMimeObject *part, const char *section)
{
    GMimeContentType *type = g_mime_object_get_content_type(part);
    char *name = type ? g_mime_content_type_get_mime_type(type) : NULL;
    printf("section: %s\ncontent-type: %s\n\n", section, name ? name : "");
    g_free(name);
    char child[4096];
    if (GMIME_IS_MULTIPART(part)) {
        int n = g_mime_multipart_get_count((GMimeMultipart *)part);
        for (int i = 0; i < n; i++) {
            snprintf(child, sizeof child, "%s.%d", section, i + 1);
            walk(g_mime_multipart_get_part((GMimeMultipart *)part, i), child);
        }
    } else if (GMIME_IS_MESSAGE_PART(part)) {
        GMimeMessage *nested = g_mime_message_part_get_message((GMimeMessagePart *)part);
        if (nested && g_mime_message_get_mime_part(nested)) {
            snprintf(child, sizeof child, "%s.1", section);
            walk(g_mime_message_get_mime_part(nested), child);
        }
    }
}

int main(void)
{
    size_t size = 0, cap = 1 << 16;
    char *data = malloc(cap);
    for (size_t got; data && (got = fread(data + size, 1, cap - size, stdin)) > 0;) {
        size += got;
        if (size == cap)
            data = realloc(data, cap *= 2);
    }
    if (!data)
        return 1;
    g_mime_init();
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, size);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);
    if (message && g_mime_message_get_mime_part(message))
        walk(g_mime_message_get_mime_part(message), "1");
    return 0;
}
