import "./prepareTargetDek";
import "./setEncryptionStatus";
import "./listPartitions";
import "./reencryptPartition";
import "./finishRekey";
import "./resolveKeyVersion";
import "./rewrapEnvironment";
