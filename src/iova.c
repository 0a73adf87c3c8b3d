/* iova.c - the IOVA allocator model of iova.h: a treap of allocated and
 * reserved ranges with gap information, the per-size rcaches, and the
 * dma-iommu entry points. The kernel rules come from drivers/iommu/iova.c
 * (alloc_iova, __alloc_and_insert_iova_range, alloc_iova_fast,
 * free_iova_fast, reserve_iova, the iova_rcache_* and iova_magazine_*
 * functions) and drivers/iommu/dma-iommu.c (iommu_dma_alloc_iova,
 * iommu_dma_free_iova). */
#include "iova.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum node_kind {
	NODE_FLOOR,    /* [0, start_pfn - 1]: below the domain */
	NODE_ANCHOR,   /* max_pfn + 1: above it, as the kernel's IOVA_ANCHOR */
	NODE_RESERVED,
	NODE_LIVE,
	NODE_CACHED,   /* freed into an rcache: still in the tree */
};

#define NIL 0u
#define N(d, i) (&(d)->nodes[i])

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static unsigned ilog2_u64(uint64_t x)
{
	return 63u - (unsigned)__builtin_clzll(x);
}

static uint64_t roundup_pow2(uint64_t n)
{
	return n <= 1 ? 1 : 1ull << (ilog2_u64(n - 1) + 1);
}

/* order_base_2 */
static unsigned order_base_2(uint64_t n)
{
	return n <= 1 ? 0 : ilog2_u64(n - 1) + 1;
}

static uint64_t node_len(const struct iova_node *x)
{
	return x->hi - x->lo + 1;
}

/* ---- the treap ------------------------------------------------------------ */

static uint32_t next_prio(struct iova_domain *d)
{
	/* xorshift32: reproducible balancing without libc's global state */
	uint32_t x = d->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	d->rng = x;
	return x;
}

static uint32_t node_new(struct iova_domain *d, uint64_t lo, uint64_t hi, enum node_kind kind)
{
	uint32_t i;
	struct iova_node *x;
	if (d->free_list != NIL) {
		i = d->free_list;
		d->free_list = N(d, i)->left;
	} else {
		xgrow((void **)&d->nodes, &d->cap, d->nnodes + 1, sizeof(*d->nodes));
		i = (uint32_t)d->nnodes++;
	}
	x = N(d, i);
	memset(x, 0, sizeof(*x));
	x->lo = lo;
	x->hi = hi;
	x->kind = (uint8_t)kind;
	x->prio = next_prio(d);
	return i;
}

static void node_put(struct iova_domain *d, uint32_t i)
{
	N(d, i)->left = d->free_list;
	d->free_list = i;
}

/* The largest 2^k-aligned run of 2^k granules inside LEN >= 1 granules
 * from A, as log2: a run of len >= 2^m granules always holds an aligned
 * block of 2^(m-1), so only 2^m and 2^(m-1) need a look. */
static unsigned largest_aligned_order(uint64_t a, uint64_t len)
{
	unsigned m = ilog2_u64(len);
	uint64_t size = 1ull << m, start = (a + size - 1) & ~(size - 1);
	if (start - a + size <= len)
		return m;
	return m - 1;
}

#define FIT_SHIFT 58

/* A key saying which requests the free run [a, a + len) holds: 0 when it
 * is empty, else (order + 1) << FIT_SHIFT | room, where 2^order granules
 * is its largest aligned block and room counts the granules from its
 * first 2^(order+1)-aligned start to its end (0 if there is none).
 *
 * A request of n granules aligned to 2^k (k = log2 roundup_pow_of_two(n),
 * so 2^(k-1) < n <= 2^k or n = 1) fits iff key >= k << FIT_SHIFT | n:
 * the run holds it iff the room after its first 2^k-aligned start is at
 * least n; a run whose order is >= k has that room; a run that has it
 * holds an aligned 2^(k-1) block at that start, so its order is >= k - 1,
 * and when it is k - 1 the room in the key is exactly that room. Keys
 * compare as numbers, so a subtree's largest key answers for all of it. */
static uint64_t gap_fit(uint64_t a, uint64_t len)
{
	unsigned order;
	uint64_t next, start, room = 0;
	if (len == 0)
		return 0;
	order = largest_aligned_order(a, len);
	next = 1ull << (order + 1);
	start = (a + next - 1) & ~(next - 1);
	if (start - a < len)
		room = len - (start - a);
	return (uint64_t)(order + 1) << FIT_SHIFT | room;
}

static uint64_t request_fit(uint64_t n)
{
	return (uint64_t)order_base_2(n) << FIT_SHIFT | n;
}

static void set_gap(struct iova_node *x, uint64_t gap)
{
	x->gap = gap;
	x->fit = gap_fit(x->lo - gap, gap);
}

static void pull(struct iova_domain *d, uint32_t i)
{
	struct iova_node *x = N(d, i);
	uint64_t m = x->fit, s = x->gap;
	if (x->left != NIL) {
		m = max_u64(m, N(d, x->left)->max_fit);
		s += N(d, x->left)->sum_gap;
	}
	if (x->right != NIL) {
		m = max_u64(m, N(d, x->right)->max_fit);
		s += N(d, x->right)->sum_gap;
	}
	x->max_fit = m;
	x->sum_gap = s;
}

/* Splits T into the nodes with lo < KEY and the rest. */
static void treap_split(struct iova_domain *d, uint32_t t, uint64_t key, uint32_t *l, uint32_t *r)
{
	if (t == NIL) {
		*l = *r = NIL;
		return;
	}
	d->stats.tree_steps++;
	if (N(d, t)->lo < key) {
		treap_split(d, N(d, t)->right, key, &N(d, t)->right, r);
		*l = t;
	} else {
		treap_split(d, N(d, t)->left, key, l, &N(d, t)->left);
		*r = t;
	}
	pull(d, t);
}

static uint32_t treap_merge(struct iova_domain *d, uint32_t a, uint32_t b)
{
	if (a == NIL)
		return b;
	if (b == NIL)
		return a;
	d->stats.tree_steps++;
	if (N(d, a)->prio > N(d, b)->prio) {
		N(d, a)->right = treap_merge(d, N(d, a)->right, b);
		pull(d, a);
		return a;
	}
	N(d, b)->left = treap_merge(d, a, N(d, b)->left);
	pull(d, b);
	return b;
}

static uint32_t treap_insert(struct iova_domain *d, uint32_t t, uint32_t x)
{
	if (t == NIL) {
		pull(d, x);
		return x;
	}
	d->stats.tree_steps++;
	if (N(d, x)->prio > N(d, t)->prio) {
		treap_split(d, t, N(d, x)->lo, &N(d, x)->left, &N(d, x)->right);
		pull(d, x);
		return x;
	}
	if (N(d, x)->lo < N(d, t)->lo)
		N(d, t)->left = treap_insert(d, N(d, t)->left, x);
	else
		N(d, t)->right = treap_insert(d, N(d, t)->right, x);
	pull(d, t);
	return t;
}

static uint32_t treap_erase(struct iova_domain *d, uint32_t t, uint64_t key)
{
	d->stats.tree_steps++;
	if (N(d, t)->lo == key)
		return treap_merge(d, N(d, t)->left, N(d, t)->right);
	if (key < N(d, t)->lo)
		N(d, t)->left = treap_erase(d, N(d, t)->left, key);
	else
		N(d, t)->right = treap_erase(d, N(d, t)->right, key);
	pull(d, t);
	return t;
}

/* Recomputes the augmented fields on the path to the node starting at KEY
 * after its gap (or its lo, moved down into its own gap) changed. */
static void treap_fix(struct iova_domain *d, uint32_t t, uint64_t key)
{
	d->stats.tree_steps++;
	if (key < N(d, t)->lo)
		treap_fix(d, N(d, t)->left, key);
	else if (key > N(d, t)->lo)
		treap_fix(d, N(d, t)->right, key);
	pull(d, t);
}

/* The node whose range holds PFN (private_find_iova), or NIL. */
static uint32_t find_containing(struct iova_domain *d, uint64_t pfn)
{
	uint32_t t = d->root;
	while (t != NIL) {
		d->stats.tree_steps++;
		if (pfn < N(d, t)->lo)
			t = N(d, t)->left;
		else if (pfn > N(d, t)->hi)
			t = N(d, t)->right;
		else
			return t;
	}
	return NIL;
}

/* The first node with lo > PFN; the anchor guarantees one for any pfn in
 * the domain. */
static uint32_t find_succ(struct iova_domain *d, uint64_t pfn)
{
	uint32_t t = d->root, best = NIL;
	while (t != NIL) {
		d->stats.tree_steps++;
		if (N(d, t)->lo > pfn) {
			best = t;
			t = N(d, t)->left;
		} else {
			t = N(d, t)->right;
		}
	}
	return best;
}

/* Puts [lo, hi] into the free gap below node SUCC. */
static uint32_t insert_in_gap(struct iova_domain *d, uint32_t succ, uint64_t lo, uint64_t hi,
			      enum node_kind kind)
{
	uint64_t gap_lo = N(d, succ)->lo - N(d, succ)->gap;
	uint32_t x;
	set_gap(N(d, succ), N(d, succ)->lo - hi - 1);
	treap_fix(d, d->root, N(d, succ)->lo);
	x = node_new(d, lo, hi, kind);
	set_gap(N(d, x), lo - gap_lo);
	d->root = treap_insert(d, d->root, x);
	return x;
}

/* remove_iova: the range becomes part of its successor's gap. */
static void tree_remove(struct iova_domain *d, uint32_t x)
{
	uint64_t lo = N(d, x)->lo;
	uint32_t succ = find_succ(d, lo);
	/* __cached_rbnode_delete_update / remove_iova: a free below 4 GiB
	 * lets 32-bit allocations search again */
	if (lo < d->dma_32bit_pfn)
		d->max32_alloc_size = d->dma_32bit_pfn;
	set_gap(N(d, succ), N(d, succ)->gap + N(d, x)->gap + node_len(N(d, x)));
	treap_fix(d, d->root, N(d, succ)->lo);
	d->root = treap_erase(d, d->root, lo);
	node_put(d, x);
}

/* The highest N-granule block aligned to ALIGN whose last granule is
 * <= LIMIT: the gap it is in belongs to the returned node. NEED is
 * request_fit(n). */
static uint32_t search_highest(struct iova_domain *d, uint32_t t, uint64_t n, uint64_t need,
			       uint64_t limit, uint64_t *pfn)
{
	uint64_t align = roundup_pow2(n);
	while (t != NIL) {
		struct iova_node *x = N(d, t);
		uint64_t gap_lo = x->lo - x->gap;
		uint32_t found;
		d->stats.tree_steps++;
		if (x->max_fit < need)
			return NIL;
		if (gap_lo > limit) {
			/* this gap and every gap to the right start above the limit */
			t = x->left;
			continue;
		}
		found = search_highest(d, x->right, n, need, limit, pfn);
		if (found != NIL)
			return found;
		x = N(d, t);
		if (x->fit >= need) {
			/* the limit may cut this gap short */
			uint64_t top = min_u64(x->lo - 1, limit);
			if (top + 1 >= gap_lo + n) {
				uint64_t cand = (top + 1 - n) & ~(align - 1);
				if (cand >= gap_lo) {
					*pfn = cand;
					return t;
				}
			}
		}
		t = x->left;
	}
	return NIL;
}

/* __alloc_and_insert_iova_range with size_aligned, as an exact search for
 * the highest fitting block (the kernel's cached-node walk is the
 * approximation iova.h describes). Returns the new node or NIL. */
static uint32_t alloc_tree(struct iova_domain *d, uint64_t n, uint64_t limit_pfn)
{
	uint64_t pfn = 0;
	uint32_t succ;
	/* max32_alloc_size: once a size failed, 32-bit-limited requests that
	 * large fail at once until something below 4 GiB is freed */
	if (limit_pfn + 1 <= d->dma_32bit_pfn && n >= d->max32_alloc_size)
		return NIL;
	succ = search_highest(d, d->root, n, request_fit(n), limit_pfn, &pfn);
	if (succ == NIL) {
		d->max32_alloc_size = n;
		return NIL;
	}
	return insert_in_gap(d, succ, pfn, pfn + n - 1, NODE_LIVE);
}

/* ---- rcaches (one CPU) ----------------------------------------------------- */

static void mag_alloc(struct iova_domain *d, struct iova_magazine *m)
{
	m->size = 0;
	m->nodes = xcalloc(d->cfg.mag_size, sizeof(*m->nodes));
}

static void cached_to_tree(struct iova_domain *d, uint32_t x)
{
	d->stats.cached_allocs--;
	d->stats.cached_bytes -= node_len(N(d, x)) << d->shift;
	tree_remove(d, x);
}

/* iova_magazine_free_pfns */
static void mag_free_nodes(struct iova_domain *d, struct iova_magazine *m)
{
	for (unsigned i = 0; i < m->size; i++)
		cached_to_tree(d, m->nodes[i]);
	m->size = 0;
}

static void swap_mags(struct iova_magazine *a, struct iova_magazine *b)
{
	struct iova_magazine t = *a;
	*a = *b;
	*b = t;
}

/* __iova_rcache_insert with the older bounded depot: a full loaded
 * magazine goes to the depot, or back to the tree when the depot is full. */
static void rcache_insert(struct iova_domain *d, struct iova_rcache *rc, uint32_t x)
{
	unsigned cap = d->cfg.mag_size;
	if (rc->loaded.size == cap) {
		if (rc->prev.size < cap) {
			swap_mags(&rc->loaded, &rc->prev);
		} else if (rc->depot_size < d->cfg.depot_mags) {
			xgrow((void **)&rc->depot, &rc->depot_cap, rc->depot_size + 1, sizeof(*rc->depot));
			rc->depot[rc->depot_size++] = rc->loaded;
			mag_alloc(d, &rc->loaded);
		} else {
			mag_free_nodes(d, &rc->loaded);
		}
	}
	N(d, x)->kind = NODE_CACHED;
	d->stats.cached_allocs++;
	d->stats.cached_bytes += node_len(N(d, x)) << d->shift;
	rc->loaded.nodes[rc->loaded.size++] = x;
}

/* __iova_rcache_get + iova_magazine_pop: only the loaded magazine (after
 * a swap or a depot refill) is searched, from the newest entry down, for
 * one that ends at or below LIMIT_PFN. Returns the node or NIL. */
static uint32_t rcache_get(struct iova_domain *d, struct iova_rcache *rc, uint64_t n, uint64_t limit_pfn)
{
	struct iova_magazine *m = &rc->loaded;
	uint32_t x;
	unsigned i;
	if (m->size == 0) {
		if (rc->prev.size > 0) {
			swap_mags(&rc->loaded, &rc->prev);
		} else if (rc->depot_size > 0) {
			free(m->nodes);
			*m = rc->depot[--rc->depot_size];
		} else {
			return NIL;
		}
	}
	if (limit_pfn + 1 < n)
		return NIL;
	for (i = m->size; i-- > 0;)
		if (N(d, m->nodes[i])->lo <= limit_pfn + 1 - n)
			break;
	if (i == (unsigned)-1)
		return NIL;
	x = m->nodes[i];
	m->nodes[i] = m->nodes[--m->size];
	return x;
}

/* free_cpu_cached_iovas + free_global_cached_iovas */
static void rcaches_flush(struct iova_domain *d)
{
	for (int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rc = &d->rcaches[i];
		mag_free_nodes(d, &rc->loaded);
		mag_free_nodes(d, &rc->prev);
		while (rc->depot_size > 0) {
			struct iova_magazine *m = &rc->depot[--rc->depot_size];
			mag_free_nodes(d, m);
			free(m->nodes);
		}
	}
	d->stats.rcache_flushes++;
}

/* The length the tree holds for a request of N granules: alloc_iova_fast
 * rounds what an rcache could hold to a power of two, so that a free of
 * the unrounded size finds the same cache. */
static uint64_t alloc_len(const struct iova_domain *d, uint64_t n)
{
	if (d->cfg.rcache && n < (1ull << (IOVA_RANGE_CACHE_MAX_SIZE - 1)))
		return roundup_pow2(n);
	return n;
}

static bool cacheable(const struct iova_domain *d, uint64_t len)
{
	return d->cfg.rcache && order_base_2(len) < IOVA_RANGE_CACHE_MAX_SIZE;
}

static void mark_live(struct iova_domain *d, uint32_t x)
{
	N(d, x)->kind = NODE_LIVE;
	d->stats.live_allocs++;
	d->stats.live_bytes += node_len(N(d, x)) << d->shift;
}

/* alloc_iova_fast: returns the pfn or 0. */
static uint64_t alloc_fast(struct iova_domain *d, uint64_t n, uint64_t limit_pfn, bool flush_rcache)
{
	uint64_t len = alloc_len(d, n);
	uint32_t x;
	limit_pfn = min_u64(limit_pfn, d->max_pfn);
	if (cacheable(d, len)) {
		x = rcache_get(d, &d->rcaches[order_base_2(len)], len, limit_pfn);
		if (x != NIL) {
			d->stats.rcache_hits++;
			d->stats.cached_allocs--;
			d->stats.cached_bytes -= len << d->shift;
			mark_live(d, x);
			return N(d, x)->lo;
		}
		d->stats.rcache_misses++;
	}
	for (;;) {
		x = alloc_tree(d, len, limit_pfn);
		if (x != NIL) {
			mark_live(d, x);
			return N(d, x)->lo;
		}
		if (!flush_rcache || !d->cfg.rcache)
			return 0;
		flush_rcache = false;
		rcaches_flush(d);
	}
}

/* ---- the public API ------------------------------------------------------------ */

void iova_config_default(struct iova_config *c)
{
	memset(c, 0, sizeof(*c));
	c->granule = 4096;
	c->start_pfn = 1;
	c->aperture_end = (1ull << 48) - 1;
	c->rcache = true;
	c->sac_mode = IOVA_SAC_UNTIL_FAILURE;
}

void iova_dev_init(struct iova_dev *dev, bool pci, bool forcedac)
{
	memset(dev, 0, sizeof(*dev));
	dev->pci = pci;
	/* iommu_dma_set_pci_32bit_workaround: !iommu_dma_forcedac, PCI only */
	dev->sac_workaround = pci && !forcedac;
}

int iova_domain_init(struct iova_domain *d, const struct iova_config *c)
{
	memset(d, 0, sizeof(*d));
	if (c->granule < 4096 || (c->granule & (c->granule - 1)) != 0 || c->start_pfn == 0)
		return -EINVAL;
	d->cfg = *c;
	d->shift = ilog2_u64(c->granule);
	d->max_pfn = c->aperture_end >> d->shift;
	if (d->max_pfn < c->start_pfn)
		return -EINVAL;
	if (d->cfg.mag_size == 0)
		d->cfg.mag_size = IOVA_MAG_SIZE;
	if (d->cfg.depot_mags == 0)
		d->cfg.depot_mags = IOVA_MAX_GLOBAL_MAGS;
	d->dma_32bit_pfn = 1ull << (32 - d->shift);
	d->max32_alloc_size = d->dma_32bit_pfn;
	d->rng = c->seed ? c->seed : 0x9e3779b9u;
	d->nnodes = 1; /* index 0 is NIL */
	d->floor = node_new(d, 0, c->start_pfn - 1, NODE_FLOOR);
	d->anchor = node_new(d, d->max_pfn + 1, d->max_pfn + 1, NODE_ANCHOR);
	set_gap(N(d, d->anchor), d->max_pfn - c->start_pfn + 1);
	d->root = treap_insert(d, NIL, d->floor);
	d->root = treap_insert(d, d->root, d->anchor);
	for (int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		mag_alloc(d, &d->rcaches[i].loaded);
		mag_alloc(d, &d->rcaches[i].prev);
	}
	d->stats.tree_steps = 0;
	return 0;
}

void iova_domain_release(struct iova_domain *d)
{
	for (int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rc = &d->rcaches[i];
		free(rc->loaded.nodes);
		free(rc->prev.nodes);
		for (size_t j = 0; j < rc->depot_size; j++)
			free(rc->depot[j].nodes);
		free(rc->depot);
	}
	free(d->nodes);
	memset(d, 0, sizeof(*d));
}

int iovad_reserve(struct iova_domain *d, uint64_t start, uint64_t end_inclusive)
{
	uint64_t lo, hi;
	uint32_t x;
	if (end_inclusive < start)
		return -EINVAL;
	lo = start >> d->shift;
	hi = min_u64(end_inclusive >> d->shift, d->max_pfn);
	if (lo > d->max_pfn)
		return 0;
	/* the first node reaching lo: the one holding it, or the next one */
	x = find_containing(d, lo);
	if (x == NIL)
		x = find_succ(d, lo);
	for (uint32_t y = x; N(d, y)->lo <= hi; y = find_succ(d, N(d, y)->lo))
		if (N(d, y)->kind == NODE_LIVE || N(d, y)->kind == NODE_CACHED)
			return -EBUSY;
	/* reserve_iova: each overlapping node is stretched down over the free
	 * part below it and the rest continues above it */
	while (N(d, x)->lo <= hi) {
		struct iova_node *y = N(d, x);
		if (lo < y->lo) {
			if (y->kind == NODE_RESERVED)
				d->stats.reserved_bytes += (y->lo - lo) << d->shift;
			uint64_t gap = y->gap - (y->lo - lo);
			y->lo = lo;
			set_gap(y, gap);
			treap_fix(d, d->root, lo);
		}
		if (hi <= N(d, x)->hi)
			return 0;
		lo = N(d, x)->hi + 1;
		x = find_succ(d, lo - 1);
	}
	insert_in_gap(d, x, lo, hi, NODE_RESERVED);
	d->stats.reserved_bytes += (hi - lo + 1) << d->shift;
	return 0;
}

static uint64_t granules(const struct iova_domain *d, uint64_t size)
{
	return (size >> d->shift) + ((size & (d->cfg.granule - 1)) != 0);
}

static int finish_alloc(struct iova_domain *d, uint64_t pfn, uint64_t *iova)
{
	if (pfn == 0) {
		d->stats.failures++;
		return -ENOMEM;
	}
	d->stats.allocs++;
	*iova = pfn << d->shift;
	return 0;
}

int iova_alloc(struct iova_domain *d, uint64_t size, uint64_t limit, uint64_t *iova)
{
	uint64_t n = granules(d, size);
	if (n == 0)
		return -EINVAL;
	return finish_alloc(d, alloc_fast(d, n, limit >> d->shift, true), iova);
}

int iova_free(struct iova_domain *d, uint64_t iova, uint64_t size)
{
	uint64_t pfn = iova >> d->shift, n = granules(d, size);
	uint32_t x = find_containing(d, pfn);
	uint64_t len;
	if (n == 0 || x == NIL || N(d, x)->lo != pfn || N(d, x)->kind != NODE_LIVE ||
	    node_len(N(d, x)) != alloc_len(d, n))
		return -EINVAL;
	len = node_len(N(d, x));
	d->stats.live_allocs--;
	d->stats.live_bytes -= len << d->shift;
	d->stats.frees++;
	if (cacheable(d, len))
		rcache_insert(d, &d->rcaches[order_base_2(len)], x);
	else
		tree_remove(d, x);
	return 0;
}

int iova_dma_alloc(struct iova_domain *d, struct iova_dev *dev, uint64_t size, uint64_t dma_limit,
		   uint64_t *iova, bool *fell_back)
{
	const uint64_t mask32 = 0xffffffffull;
	uint64_t n = granules(d, size), limit = dma_limit, pfn = 0;
	*fell_back = false;
	if (n == 0)
		return -EINVAL;
	/* min_not_zero(dma_limit, dev->bus_dma_limit), then the aperture
	 * (force_aperture) */
	if (dev->bus_dma_limit != 0 && (limit == 0 || dev->bus_dma_limit < limit))
		limit = dev->bus_dma_limit;
	limit = min_u64(limit, d->cfg.aperture_end);
	if (limit > mask32 && dev->pci && dev->sac_workaround) {
		pfn = alloc_fast(d, n, mask32 >> d->shift, false);
		if (pfn == 0) {
			d->stats.sac_fallbacks++;
			if (d->cfg.sac_mode == IOVA_SAC_UNTIL_FAILURE) {
				dev->sac_workaround = false;
				*fell_back = true;
			}
		}
	}
	if (pfn == 0)
		pfn = alloc_fast(d, n, limit >> d->shift, true);
	return finish_alloc(d, pfn, iova);
}

int iova_dma_free(struct iova_domain *d, uint64_t iova, uint64_t size)
{
	return iova_free(d, iova, size);
}

int iova_addr_bits(uint64_t limit)
{
	return limit == 0 ? 1 : (int)ilog2_u64(limit) + 1;
}

const struct iova_stats *iova_get_stats(const struct iova_domain *d)
{
	return &d->stats;
}

/* ---- fragmentation --------------------------------------------------------------- */

static uint64_t free_below(const struct iova_domain *d, uint32_t t, uint64_t limit)
{
	uint64_t sum = 0;
	while (t != NIL) {
		const struct iova_node *x = N(d, t);
		if (x->lo <= limit + 1) {
			/* this gap and everything to the left lie at or below the limit */
			sum += x->gap + (x->left != NIL ? N(d, x->left)->sum_gap : 0);
			t = x->right;
		} else {
			uint64_t gap_lo = x->lo - x->gap;
			if (gap_lo <= limit)
				sum += limit - gap_lo + 1;
			t = x->left;
		}
	}
	return sum;
}

uint64_t iova_free_bytes_below(const struct iova_domain *d, uint64_t limit)
{
	return free_below(d, d->root, min_u64(limit >> d->shift, d->max_pfn)) << d->shift;
}

static void largest_block(const struct iova_domain *d, uint32_t t, uint64_t limit, uint64_t *best)
{
	while (t != NIL) {
		const struct iova_node *x = N(d, t);
		uint64_t gap_lo = x->lo - x->gap;
		/* nothing in this subtree beats BEST: its largest order is no more */
		if (x->max_fit == 0 || (1ull << ((x->max_fit >> FIT_SHIFT) - 1)) <= *best)
			return;
		if (gap_lo <= limit) {
			largest_block(d, x->right, limit, best);
			if (x->gap > 0) {
				uint64_t len = min_u64(x->lo - 1, limit) - gap_lo + 1;
				*best = max_u64(*best, 1ull << largest_aligned_order(gap_lo, len));
			}
		}
		t = x->left;
	}
}

uint64_t iova_largest_free_block(const struct iova_domain *d, uint64_t limit)
{
	uint64_t best = 0;
	largest_block(d, d->root, min_u64(limit >> d->shift, d->max_pfn), &best);
	return best << d->shift;
}
