/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snn-pci: the snndev neuromorphic board as a PCIe endpoint.
 *
 *   -device snn-pci,id=snn0[,clusters=4,cores=8,...]
 *
 * BAR0 registers, BAR2 doorbell pages, BAR4 MSI-X (one vector per cluster
 * plus the error vector).  All DMA goes through the PCI DMA API, so it is
 * translated by a vIOMMU when there is one.  See docs/hardware.md.
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qemu/units.h"
#include "qemu/main-loop.h"
#include "exec/address-spaces.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "snn_board.h"
#include "snn_hw.h"

#define TYPE_SNN_PCI "snn-pci"
OBJECT_DECLARE_SIMPLE_TYPE(SnnPciState, SNN_PCI)

struct SnnPciState {
    PCIDevice parent_obj;
    MemoryRegion regs;
    MemoryRegion db;
    SnnBoardConf conf;
    SnnBoard *board;
    bool viommu;        /* DMA is translated by a vIOMMU */
};

static bool snn_pci_master(PCIDevice *pdev)
{
    return pdev->config[PCI_COMMAND] & PCI_COMMAND_MASTER;
}

/*
 * Called from cluster worker threads.  A vIOMMU reports translation faults
 * by raising an interrupt, which needs the BQL: take it around DMA when
 * there is one (workers hold no other lock here, so this cannot deadlock).
 */
static MemTxResult snn_pci_dma(PCIDevice *pdev, uint64_t addr, void *buf,
                               uint64_t len, DMADirection dir)
{
    SnnPciState *s = SNN_PCI(pdev);
    bool lock = s->viommu && !qemu_mutex_iothread_locked();
    MemTxResult r;

    if (!snn_pci_master(pdev)) {
        return MEMTX_ERROR;
    }
    if (lock) {
        qemu_mutex_lock_iothread();
    }
    r = pci_dma_rw(pdev, addr, buf, len, dir, MEMTXATTRS_UNSPECIFIED);
    if (lock) {
        qemu_mutex_unlock_iothread();
    }
    return r;
}

static MemTxResult snn_pci_dma_read(void *opaque, uint64_t addr, void *buf,
                                    uint64_t len)
{
    return snn_pci_dma(opaque, addr, buf, len, DMA_DIRECTION_TO_DEVICE);
}

static MemTxResult snn_pci_dma_write(void *opaque, uint64_t addr,
                                     const void *buf, uint64_t len)
{
    return snn_pci_dma(opaque, addr, (void *)buf, len,
                       DMA_DIRECTION_FROM_DEVICE);
}

static void snn_pci_notify(void *opaque, unsigned vector)
{
    PCIDevice *pdev = opaque;

    if (msix_enabled(pdev)) {
        msix_notify(pdev, vector);
    }
}

static const SnnBoardOps snn_pci_board_ops = {
    .dma_read = snn_pci_dma_read,
    .dma_write = snn_pci_dma_write,
    .notify = snn_pci_notify,
};

static uint64_t snn_pci_regs_read(void *opaque, hwaddr addr, unsigned size)
{
    SnnPciState *s = opaque;

    return snn_board_reg_read(s->board, addr, size);
}

static void snn_pci_regs_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    SnnPciState *s = opaque;

    snn_board_reg_write(s->board, addr, val, size);
}

static uint64_t snn_pci_db_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void snn_pci_db_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    SnnPciState *s = opaque;

    snn_board_db_write(s->board, addr, val, size);
}

static const MemoryRegionOps snn_pci_regs_ops = {
    .read = snn_pci_regs_read,
    .write = snn_pci_regs_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static const MemoryRegionOps snn_pci_db_ops = {
    .read = snn_pci_db_read,
    .write = snn_pci_db_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static void snn_pci_realize(PCIDevice *pdev, Error **errp)
{
    SnnPciState *s = SNN_PCI(pdev);
    DeviceState *dev = DEVICE(pdev);
    unsigned nvec, v;
    g_autofree char *name = NULL;

    if (!snn_board_conf_check(&s->conf, errp)) {
        return;
    }
    pci_config_set_revision(pdev->config, s->conf.revision & 0xff);

    memory_region_init_io(&s->regs, OBJECT(s), &snn_pci_regs_ops, s,
                          "snn-regs", SNN_REGS_SIZE);
    pci_register_bar(pdev, SNN_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->regs);
    memory_region_init_io(&s->db, OBJECT(s), &snn_pci_db_ops, s,
                          "snn-doorbells",
                          pow2ceil((uint64_t)s->conf.clusters *
                                   SNN_DB_PAGE_SIZE));
    pci_register_bar(pdev, SNN_BAR_DOORBELL,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->db);

    nvec = snn_board_nr_vectors(&s->conf);
    if (msix_init_exclusive_bar(pdev, nvec, SNN_BAR_MSIX, errp)) {
        return;
    }
    for (v = 0; v < nvec; v++) {
        msix_vector_use(pdev, v);
    }
    if (pci_is_express(pdev) && pcie_endpoint_cap_init(pdev, 0) < 0) {
        error_setg(errp, "snn-pci: cannot add the PCIe capability");
        msix_unuse_all_vectors(pdev);
        msix_uninit_exclusive_bar(pdev);
        return;
    }

    s->viommu = pci_device_iommu_address_space(pdev) != &address_space_memory;
    name = g_strdup_printf("snn-pci[%s]", dev->id ? dev->id : "");
    s->board = snn_board_new(&s->conf, &snn_pci_board_ops, pdev, name);
}

static void snn_pci_exit(PCIDevice *pdev)
{
    SnnPciState *s = SNN_PCI(pdev);

    snn_board_free(s->board);
    s->board = NULL;
    msix_unuse_all_vectors(pdev);
    msix_uninit_exclusive_bar(pdev);
}

static void snn_pci_reset(DeviceState *dev)
{
    SnnPciState *s = SNN_PCI(dev);

    if (s->board) {
        snn_board_reset(s->board);
    }
}

static const VMStateDescription vmstate_snn_pci = {
    .name = TYPE_SNN_PCI,
    .unmigratable = 1,
};

static Property snn_pci_properties[] = {
    DEFINE_SNN_BOARD_PROPERTIES(SnnPciState, conf),
    DEFINE_PROP_END_OF_LIST(),
};

static void snn_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = snn_pci_realize;
    k->exit = snn_pci_exit;
    k->vendor_id = SNN_PCI_VENDOR_ID;
    k->device_id = SNN_PCI_DEVICE_ID;
    k->subsystem_vendor_id = SNN_PCI_SUBSYS_VENDOR_ID;
    k->subsystem_id = SNN_PCI_SUBSYS_ID;
    k->revision = SNN_PCI_REVISION;
    k->class_id = SNN_PCI_CLASS;
    dc->desc = "snndev neuromorphic accelerator board (emulated)";
    dc->reset = snn_pci_reset;
    dc->vmsd = &vmstate_snn_pci;
    device_class_set_props(dc, snn_pci_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo snn_pci_info = {
    .name = TYPE_SNN_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SnnPciState),
    .class_init = snn_pci_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { },
    },
};

static void snn_pci_register_types(void)
{
    type_register_static(&snn_pci_info);
}

type_init(snn_pci_register_types)
