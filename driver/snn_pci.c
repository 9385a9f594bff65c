// SPDX-License-Identifier: GPL-2.0
/*
 * snndev PCIe transport: BAR0 registers, BAR2 doorbell pages, MSI-X (one
 * vector per cluster plus the error vector), coherent DMA for queues and
 * network images.  Everything else is in the core (snn_main.c).
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/interrupt.h>
#include <linux/dma-mapping.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "snn_core.h"
#include "snn_compat.h"

struct snn_pci;

struct snn_pci_vec {
	struct snn_pci *p;
	unsigned int vec;
	char name[32];
};

struct snn_pci {
	struct pci_dev *pdev;
	void __iomem *regs;
	void __iomem *db;
	resource_size_t db_start;
	resource_size_t db_len;
	struct snn_board *board;
	unsigned int nvec;
	struct snn_pci_vec vec[SNN_MAX_CLUSTERS + 1];
};

/* One entry of a scatter-gather load list (snn_hw.h SNN_SG_*). */
struct snn_sg_desc {
	__le64 addr;
	__le32 len;
	__le32 flags;
};

struct snn_pci_chunk {
	void *cpu;
	dma_addr_t dma;
};

/*
 * A network image handed to the device: one contiguous buffer (@cpu, @dma,
 * @len bytes), or with SNN_FEAT_LOAD_SG @n coherent pages (the last one
 * partly used) and the list that describes them in @cpu/@dma, @len bytes.
 */
struct snn_pci_load {
	void *cpu;
	dma_addr_t dma;
	size_t len;
	unsigned int n;
	struct snn_pci_chunk *chunks;
};

static u32 snn_pci_rd(struct snn_board *b, u32 off)
{
	struct snn_pci *p = b->priv;

	return readl(p->regs + off);
}

static void snn_pci_wr(struct snn_board *b, u32 off, u32 val)
{
	struct snn_pci *p = b->priv;

	writel(val, p->regs + off);
}

static int snn_pci_doorbell(struct snn_board *b, unsigned int cl, u32 off,
			    u32 val)
{
	struct snn_pci *p = b->priv;

	/* ring entries written by the CPU must be visible before this */
	wmb();
	writel(val, p->db + (size_t)cl * SNN_DB_PAGE_SIZE + off);
	return 0;
}

static int snn_pci_ring_alloc(struct snn_board *b, struct snn_ring *r)
{
	struct snn_pci *p = b->priv;

	r->cpu = dma_alloc_coherent(&p->pdev->dev, r->size, &r->dma,
				    GFP_KERNEL);
	return r->cpu ? 0 : -ENOMEM;
}

static void snn_pci_ring_free(struct snn_board *b, struct snn_ring *r)
{
	struct snn_pci *p = b->priv;

	dma_free_coherent(&p->pdev->dev, r->size, r->cpu, r->dma);
	r->cpu = NULL;
}

static unsigned long snn_pci_ring_pfn(struct snn_board *b,
				      struct snn_ring *r, unsigned long pg)
{
	void *va = r->cpu + (pg << PAGE_SHIFT);

	/* coherent memory is in the linear map or, behind an IOMMU, vmapped */
	if (is_vmalloc_addr(va))
		return vmalloc_to_pfn(va);
	return page_to_pfn(virt_to_page(va));
}

static unsigned long snn_pci_doorbell_pfn(struct snn_board *b,
					  unsigned int cl)
{
	struct snn_pci *p = b->priv;

	return (p->db_start + (resource_size_t)cl * SNN_DB_PAGE_SIZE) >>
	       PAGE_SHIFT;
}

static void snn_pci_queue_enable(struct snn_board *b, unsigned int cl,
				 u32 dir, u32 q, struct snn_ring *r)
{
	snn_board_queue_setup(b, cl, dir, q, r);
	snn_pci_wr(b, snn_queue_regs(cl, dir, q) + SNN_Q_CTRL,
		   SNN_Q_CTRL_ENABLE);
}

static void snn_pci_queue_disable(struct snn_board *b, unsigned int cl,
				  u32 dir, u32 q)
{
	snn_pci_wr(b, snn_queue_regs(cl, dir, q) + SNN_Q_CTRL, 0);
}

static void snn_pci_load_free(struct snn_pci *p, struct snn_pci_load *l)
{
	struct device *dev = &p->pdev->dev;
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->chunks[i].cpu)
			dma_free_coherent(dev, PAGE_SIZE, l->chunks[i].cpu,
					  l->chunks[i].dma);
	kvfree(l->chunks);
	if (l->cpu)
		dma_free_coherent(dev, l->len, l->cpu, l->dma);
	kfree(l);
}

/*
 * The device reads the image from one contiguous buffer: without CMA that
 * is at most MAX_ORDER pages (4 MiB on x86).  A bigger image fails with
 * -ENOMEM, which user space sees, not a page allocator warning in the log.
 */
static int snn_pci_load_contig(struct snn_pci *p, struct snn_pci_load *l,
			       const void *img, size_t len)
{
	l->len = len;
	l->cpu = dma_alloc_coherent(&p->pdev->dev, len, &l->dma,
				    GFP_KERNEL | __GFP_NOWARN);
	if (!l->cpu)
		return -ENOMEM;
	memcpy(l->cpu, img, len);
	return 0;
}

/*
 * SNN_FEAT_LOAD_SG: the image in one coherent page each (page aligned in
 * bus address space, behind an IOMMU too; the last one only partly used)
 * and the list of them.  Only the list may be more than a page: 16 bytes
 * per page of image, 256 KiB for 64 MiB with 4 KiB pages.
 */
static int snn_pci_load_sg(struct snn_pci *p, struct snn_pci_load *l,
			   const void *img, size_t len)
{
	struct device *dev = &p->pdev->dev;
	unsigned int n = DIV_ROUND_UP(len, PAGE_SIZE), i;
	struct snn_sg_desc *d;
	size_t left = len;

	BUILD_BUG_ON(sizeof(*d) != SNN_SG_DESC_SIZE);
	BUILD_BUG_ON(PAGE_SIZE % SNN_SG_CHUNK_ALIGN);
	if (n > SNN_SG_MAX_ENTRIES)
		return -EINVAL;
	l->chunks = kvcalloc(n, sizeof(*l->chunks), GFP_KERNEL);
	if (!l->chunks)
		return -ENOMEM;
	l->n = n;
	l->len = n * sizeof(*d);
	l->cpu = dma_alloc_coherent(dev, l->len, &l->dma,
				    GFP_KERNEL | __GFP_NOWARN);
	if (!l->cpu)
		return -ENOMEM;
	d = l->cpu;
	for (i = 0; i < n; i++, left -= PAGE_SIZE) {
		size_t sz = min_t(size_t, left, PAGE_SIZE);
		struct snn_pci_chunk *c = &l->chunks[i];

		c->cpu = dma_alloc_coherent(dev, PAGE_SIZE, &c->dma,
					    GFP_KERNEL | __GFP_NOWARN);
		if (!c->cpu)
			return -ENOMEM;
		memcpy(c->cpu, img + (size_t)i * PAGE_SIZE, sz);
		d[i].addr = cpu_to_le64(c->dma);
		d[i].len = cpu_to_le32(sz);
		d[i].flags = 0;
	}
	return 0;
}

static int snn_pci_load_start(struct snn_board *b, unsigned int cl,
			      const void *img, size_t len, void **token)
{
	struct snn_pci *p = b->priv;
	bool sg = b->caps.features & SNN_FEAT_LOAD_SG;
	struct snn_pci_load *l = kzalloc(sizeof(*l), GFP_KERNEL);
	int ret;

	if (!l)
		return -ENOMEM;
	if (sg)
		ret = snn_pci_load_sg(p, l, img, len);
	else
		ret = snn_pci_load_contig(p, l, img, len);
	if (ret) {
		snn_pci_load_free(p, l);
		return ret;
	}
	/* writel() orders the buffers' contents before the command */
	snn_cl_wr(b, cl, SNN_CL_LOAD_ADDR_LO, lower_32_bits(l->dma));
	snn_cl_wr(b, cl, SNN_CL_LOAD_ADDR_HI, upper_32_bits(l->dma));
	snn_cl_wr(b, cl, SNN_CL_LOAD_LEN, len);
	if (sg) {
		snn_cl_wr(b, cl, SNN_CL_LOAD_SG_N, l->n);
		snn_cl_wr(b, cl, SNN_CL_LOAD_CMD,
			  SNN_CL_LOAD_START | SNN_CL_LOAD_SG);
	} else {
		snn_cl_wr(b, cl, SNN_CL_LOAD_CMD, SNN_CL_LOAD_START);
	}
	*token = l;
	return 0;
}

static void snn_pci_load_done(struct snn_board *b, void *token)
{
	snn_pci_load_free(b->priv, token);
}

static void snn_pci_quiesce(struct snn_board *b)
{
	snn_board_hw_reset(b);
}

static const struct snn_transport_ops snn_pci_ops = {
	.transport = SNN_TRANSPORT_PCI,
	.rd = snn_pci_rd,
	.wr = snn_pci_wr,
	.doorbell = snn_pci_doorbell,
	.ring_alloc = snn_pci_ring_alloc,
	.ring_free = snn_pci_ring_free,
	.ring_pfn = snn_pci_ring_pfn,
	.doorbell_pfn = snn_pci_doorbell_pfn,
	.queue_enable = snn_pci_queue_enable,
	.queue_disable = snn_pci_queue_disable,
	.load_start = snn_pci_load_start,
	.load_done = snn_pci_load_done,
	.quiesce = snn_pci_quiesce,
};

static irqreturn_t snn_pci_irq(int irq, void *data)
{
	struct snn_pci_vec *v = data;
	struct snn_board *b = v->p->board;

	if (v->vec < b->caps.clusters)
		snn_board_irq_cluster(b, v->vec);
	else
		snn_board_irq_error(b);
	return IRQ_HANDLED;
}

static void snn_pci_free_irqs(struct snn_pci *p)
{
	unsigned int i;

	for (i = 0; i < p->nvec; i++)
		free_irq(pci_irq_vector(p->pdev, i), &p->vec[i]);
	if (p->nvec)
		pci_free_irq_vectors(p->pdev);
	p->nvec = 0;
}

static int snn_pci_setup_irqs(struct snn_pci *p)
{
	unsigned int n = p->board->caps.clusters + 1, i;
	int ret;

	ret = pci_alloc_irq_vectors(p->pdev, n, n, PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(&p->pdev->dev, "cannot get %u MSI-X vectors: %d\n", n,
			ret);
		return ret;
	}
	for (i = 0; i < n; i++) {
		struct snn_pci_vec *v = &p->vec[i];

		v->p = p;
		v->vec = i;
		if (i < n - 1)
			snprintf(v->name, sizeof(v->name), "snn-%s-cl%u",
				 pci_name(p->pdev), i);
		else
			snprintf(v->name, sizeof(v->name), "snn-%s-err",
				 pci_name(p->pdev));
		ret = request_irq(pci_irq_vector(p->pdev, i), snn_pci_irq, 0,
				  v->name, v);
		if (ret) {
			while (i--)
				free_irq(pci_irq_vector(p->pdev, i), &p->vec[i]);
			pci_free_irq_vectors(p->pdev);
			return ret;
		}
	}
	p->nvec = n;
	return 0;
}

static int snn_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct snn_pci *p;
	int ret;

	p = devm_kzalloc(dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	if (pci_resource_len(pdev, SNN_BAR_REGS) < SNN_REGS_SIZE ||
	    !(pci_resource_flags(pdev, SNN_BAR_REGS) & IORESOURCE_MEM) ||
	    !(pci_resource_flags(pdev, SNN_BAR_DOORBELL) & IORESOURCE_MEM)) {
		dev_err(dev, "unexpected BAR layout\n");
		return -ENODEV;
	}
	ret = pcim_iomap_regions(pdev, BIT(SNN_BAR_REGS) |
				 BIT(SNN_BAR_DOORBELL), "snn");
	if (ret)
		return ret;
	p->regs = pcim_iomap_table(pdev)[SNN_BAR_REGS];
	p->db = pcim_iomap_table(pdev)[SNN_BAR_DOORBELL];
	p->db_start = pci_resource_start(pdev, SNN_BAR_DOORBELL);
	p->db_len = pci_resource_len(pdev, SNN_BAR_DOORBELL);

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(dev, "no usable DMA configuration\n");
		return ret;
	}
	p->board = snn_board_alloc(dev, &snn_pci_ops, p, pci_name(pdev));
	if (!p->board)
		return -ENOMEM;
	if (!snn_board_hw_reset(p->board)) {
		dev_err(dev, "board does not answer or does not come out of reset\n");
		snn_board_put(p->board);
		return -ENODEV;
	}
	pci_set_master(pdev);
	ret = snn_board_probe_caps(p->board);
	if (ret)
		goto err_board;
	if (p->db_len < (resource_size_t)p->board->caps.clusters *
			SNN_DB_PAGE_SIZE) {
		dev_err(dev, "doorbell BAR too small for %u clusters\n",
			p->board->caps.clusters);
		ret = -ENODEV;
		goto err_board;
	}
	ret = snn_pci_setup_irqs(p);
	if (ret)
		goto err_board;
	ret = snn_board_register(p->board);
	if (ret)
		goto err_irqs;
	pci_set_drvdata(pdev, p);
	return 0;

err_irqs:
	snn_pci_free_irqs(p);
err_board:
	pci_clear_master(pdev);
	snn_board_put(p->board);
	return ret;
}

static void snn_pci_remove(struct pci_dev *pdev)
{
	struct snn_pci *p = pci_get_drvdata(pdev);

	/* stops the device's DMA, then frees its memory */
	snn_board_unregister(p->board);
	snn_pci_free_irqs(p);
	pci_clear_master(pdev);
	snn_board_put(p->board);
}

/* A function reset from the PCI core (sysfs reset, error recovery). */
static void snn_pci_reset_prepare(struct pci_dev *pdev)
{
	struct snn_pci *p = pci_get_drvdata(pdev);

	if (p)
		snn_board_reset_begin(p->board);
}

static void snn_pci_reset_done(struct pci_dev *pdev)
{
	struct snn_pci *p = pci_get_drvdata(pdev);

	if (p)
		snn_board_reset_end(p->board, snn_board_hw_reset(p->board));
}

static const struct pci_error_handlers snn_pci_err_handlers = {
	.reset_prepare = snn_pci_reset_prepare,
	.reset_done = snn_pci_reset_done,
};

static const struct pci_device_id snn_pci_ids[] = {
	{ PCI_DEVICE(SNN_PCI_VENDOR_ID, SNN_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, snn_pci_ids);

static struct pci_driver snn_pci_driver = {
	.name = "snn",
	.id_table = snn_pci_ids,
	.probe = snn_pci_probe,
	.remove = snn_pci_remove,
	.err_handler = &snn_pci_err_handlers,
};

int snn_pci_init(void)
{
	return pci_register_driver(&snn_pci_driver);
}

void snn_pci_exit(void)
{
	pci_unregister_driver(&snn_pci_driver);
}
