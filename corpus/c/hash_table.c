/*
 * hash_table.c - a string-keyed hash table with separate chaining.
 * Keys are copied into the table; values are opaque pointers owned by the
 * caller. The bucket array doubles whenever the load factor would exceed 3/4.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    void *value;
    struct entry *next;
    char key[]; /* flexible array member: key lives in the same allocation */
} entry;

typedef struct {
    entry **buckets;
    size_t nbuckets; /* always a power of two */
    size_t count;
} hash_table;

/* 64-bit FNV-1a: simple, fast, and good enough for short string keys. */
static uint64_t hash_string(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static size_t bucket_of(const hash_table *t, const char *key)
{
    return (size_t)(hash_string(key) & (t->nbuckets - 1));
}

hash_table *ht_create(void)
{
    hash_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nbuckets = 8;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    return t;
}

void ht_destroy(hash_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        for (entry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(t->buckets);
    free(t);
}

/* Returns the value stored under key, or NULL if there is none. */
void *ht_get(const hash_table *t, const char *key)
{
    for (entry *e = t->buckets[bucket_of(t, key)]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e->value;
    return NULL;
}

/* Rehash every entry into a bucket array twice as large. Returns 0 on success. */
static int ht_grow(hash_table *t)
{
    size_t old_n = t->nbuckets;
    entry **old = t->buckets;
    entry **buckets = calloc(old_n * 2, sizeof *buckets);
    if (!buckets)
        return -1;
    t->buckets = buckets;
    t->nbuckets = old_n * 2;
    for (size_t i = 0; i < old_n; i++) {
        for (entry *e = old[i], *next; e; e = next) {
            next = e->next;
            size_t j = bucket_of(t, e->key);
            e->next = buckets[j];
            buckets[j] = e;
        }
    }
    free(old);
    return 0;
}

/* Inserts or replaces key. Returns 0 on success, -1 if memory ran out. */
int ht_set(hash_table *t, const char *key, void *value)
{
    for (entry *e = t->buckets[bucket_of(t, key)]; e; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            e->value = value;
            return 0;
        }
    }
    /* A failed grow is not fatal: the chains just get a little longer. */
    if ((t->count + 1) * 4 > t->nbuckets * 3)
        (void)ht_grow(t);
    size_t len = strlen(key) + 1;
    entry *e = malloc(sizeof *e + len);
    if (!e)
        return -1;
    memcpy(e->key, key, len);
    e->value = value;
    size_t i = bucket_of(t, key);
    e->next = t->buckets[i];
    t->buckets[i] = e;
    t->count++;
    return 0;
}
